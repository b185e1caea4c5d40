// End to end through the command line for vision transformers: `sprout train` a tiny ViT on digits for one epoch
// with every --method (sparse ones at density 0.3: CSR projections for RigL, SET, static…, masked for SNFS and
// Spartan, Top-KAST its own layer), alternately with mean pooling and sin-cos positions and with a class token and
// learned positions; `sprout eval --json`; `sprout export --format onnx`; then ONNX Runtime on the test split gives
// the accuracy (to 0.01 pp) and the mean loss (to 1e-5) that `sprout eval` reported.
using System.Text.Json;
using Sprout.Cli;
using Sprout.Cli.Methods;
using Sprout.Data;
using Sprout.TestSupport;

namespace Sprout.Onnx.Tests;

public class VitCliExportTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Mean = "vit:patch=4,dim=32,depth=2,heads=2,mlp=64";
    private const string ClassToken = "vit:patch=4,dim=32,depth=2,heads=2,mlp=64,pool=cls,pos=learned";

    public static TheoryData<string, string> Methods()
    {
        var data = new TheoryData<string, string>();
        var methods = MethodRegistry.All.Select(m => m.Name).ToList();
        for (int i = 0; i < methods.Count; i++) data.Add(methods[i], i % 2 == 0 ? Mean : ClassToken);
        return data;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void TrainedVitRunsInOnnxRuntimeWithItsEvalAccuracyAndLoss(string method, string model)
    {
        string sparseWeights = method == "dense" ? "dense" : "sparse-constant";
        using var dir = new TempDir();
        string run = dir.PathOf("run"), onnx = dir.PathOf("model.onnx");
        string[] density = method == "dense" ? [] : ["--density", "0.3"];
        Cli(["train", "--data", "digits", "--model", model, "--method", method, .. density, "--epochs", "1", "--out", run, "--no-report", "--update-every", "5"]);
        string checkpoint = Path.Combine(run, "last.safetensors");
        using var eval = JsonDocument.Parse(Cli("eval", "--checkpoint", checkpoint, "--json"));
        double accuracy = eval.RootElement.GetProperty("accuracy").GetDouble(), loss = eval.RootElement.GetProperty("loss").GetDouble();
        Cli("export", "--checkpoint", checkpoint, "--format", "onnx", "--out", onnx, "--sparse-weights", sparseWeights);

        var test = DatasetRegistry.Load("digits", new DataOptions { Normalization = NormalizationMode.Published }).Test;
        var (ortAccuracy, ortLoss) = OrtComparison.OrtMetrics(onnx, test);
        output.WriteLine($"{model} {method}: sprout eval {accuracy:P2} loss {loss:F6}, ONNX Runtime {ortAccuracy:P2} loss {ortLoss:F6}, {new FileInfo(onnx).Length:N0} bytes");
        Assert.True(accuracy > 0.15, $"{method} did not train ({accuracy:P1}), so the comparison would say little");
        Assert.Equal(accuracy, ortAccuracy, 1e-4);
        Assert.Equal(loss, ortLoss, 1e-5);
    }

    private static string Cli(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = SproutCli.Run(args, stdout, stderr);
        Assert.True(code == 0, $"sprout {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout.ToString();
    }
}
