// `sprout train` writes the report logs, report.html and (with --tensorboard) event files; `sprout report` and
// `sprout export` work on its run folder and checkpoint, and refuse bad input with exit 2 without writing anything.
using Sprout.Onnx.Protos;

namespace Sprout.Cli.Tests;

public sealed class ReportExportCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void TrainWritesReportLogsAndTensorBoardEvents()
    {
        var r = _cli.Train("run", "--method", "set", "--density", "0.2", "--update-every", "5", "--tensorboard", _cli.PathOf("tb"));
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string file in new[] { "report.html", "topology.jsonl", "input_connections.json" })
            Assert.True(File.Exists(_cli.PathOf("run", file)), $"{file} missing");
        Assert.Contains("report: ", r.Output);
        Assert.Single(Directory.GetFiles(_cli.PathOf("tb", "run"), "events.out.tfevents.*"));
        Assert.True(File.ReadAllLines(_cli.PathOf("run", "topology.jsonl")).Length > 1);
    }

    [Fact]
    public void ResumedRunContinuesTheTopologyLogWithoutRepeatsAndKeepsTheStartMap()
    {
        string[] set = ["--method", "set", "--density", "0.2", "--update-every", "5", "--epochs", "4"];
        Assert.Equal(0, _cli.Train("run", [.. set, "--stop-after", "2"]).ExitCode);
        string topology = _cli.PathOf("run", "topology.jsonl");
        int linesAfterTwo = File.ReadAllLines(topology).Length;
        string startMap = StartOf(File.ReadAllText(_cli.PathOf("run", "input_connections.json")));
        var resumed = CliRunner.Run(["train", "--resume", _cli.PathOf("run", "last.safetensors"), .. set]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var steps = File.ReadAllLines(topology).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToList();
        Assert.True(steps.Count > linesAfterTwo, "the resumed epochs added no update lines");
        Assert.Equal(steps.Order(), steps);
        Assert.Equal(steps.Count, steps.Distinct().Count());
        Assert.Equal(startMap, StartOf(File.ReadAllText(_cli.PathOf("run", "input_connections.json"))));
    }

    private static string StartOf(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("start").GetRawText();

    [Fact]
    public void TensorBoardPathThatIsAFileIsRejectedBeforeTraining()
    {
        File.WriteAllText(_cli.PathOf("file"), "x");
        var r = _cli.Train("run", "--tensorboard", _cli.PathOf("file"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is a file", r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("run")));
    }

    [Fact]
    public void NoReportSkipsTheReport()
    {
        Assert.Equal(0, _cli.Train("run", "--no-report").ExitCode);
        Assert.False(File.Exists(_cli.PathOf("run", "report.html")));
        Assert.True(File.Exists(_cli.PathOf("run", "input_connections.json")));
    }

    [Fact]
    public void ReportCommandWritesOnePageForSeveralRuns()
    {
        Assert.Equal(0, _cli.Train("a", "--no-report").ExitCode);
        Assert.Equal(0, _cli.Train("b", "--no-report", "--method", "rigl", "--density", "0.3").ExitCode);
        string out_ = _cli.PathOf("both.html");
        var r = CliRunner.Run("report", _cli.PathOf("a"), _cli.PathOf("b"), "--out", out_);
        Assert.True(r.ExitCode == 0, r.ToString());
        string html = File.ReadAllText(out_);
        Assert.Contains(">a<", html);
        Assert.Contains(">b<", html);

        var missing = CliRunner.Run("report", _cli.PathOf("nope"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.ErrorLine);
    }

    [Theory]
    [InlineData("dense", 0, 0)]
    [InlineData("sparse-initializer", 3, 0)]
    [InlineData("sparse-constant", 0, 3)]
    public void ExportWritesAnOnnxModel(string weights, int sparseInitializers, int constants)
    {
        Assert.Equal(0, _cli.Train("run", "--no-report", "--method", "rigl", "--density", "0.3", "--model", "mlp:16,8").ExitCode);
        string onnx = _cli.PathOf("model.onnx");
        var r = CliRunner.Run("export", "--checkpoint", _cli.PathOf("run", "last.safetensors"), "--format", "onnx", "--out", onnx, "--sparse-weights", weights);
        Assert.True(r.ExitCode == 0, r.ToString());
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Equal(["Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"], model.Graph.Node.Select(n => n.OpType).Where(op => op != "Constant"));
        Assert.Equal(sparseInitializers, model.Graph.SparseInitializer.Count);
        Assert.Equal(constants, model.Graph.Node.Count(n => n.OpType == "Constant" && n.Attribute.Single().SparseTensor is not null));
        Assert.Equal("logits", model.Graph.Output.Single().Name);

        var again = CliRunner.Run("export", "--checkpoint", _cli.PathOf("run", "last.safetensors"), "--out", onnx);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite", again.ErrorLine);
        var format = CliRunner.Run("export", "--checkpoint", _cli.PathOf("run", "last.safetensors"), "--format", "tflite", "--out", _cli.PathOf("x"));
        Assert.Equal(2, format.ExitCode);
        Assert.False(File.Exists(_cli.PathOf("x")));
    }
}
