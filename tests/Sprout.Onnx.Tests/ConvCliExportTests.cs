// End to end through the command line for conv nets: `sprout train` a ResNet-8 on digits for two epochs with every
// --method (sparse ones at density 0.1: RigL, SET, static… with CSR conv layers, SNFS and Spartan masked, Top-KAST
// its own conv layer), `sprout eval --json`, `sprout export --format onnx`, then ONNX Runtime on the test split gives
// the accuracy `sprout eval` reported (to 0.01 pp).
using System.Text.Json;
using Sprout.Cli;
using Sprout.Cli.Methods;
using Sprout.Data;
using Sprout.TestSupport;

namespace Sprout.Onnx.Tests;

public class ConvCliExportTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Methods() => [.. MethodRegistry.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Methods))]
    public void TrainedResNet8RunsInOnnxRuntimeWithItsEvalAccuracy(string method)
    {
        string sparseWeights = method == "dense" ? "dense" : "sparse-constant";
        using var dir = new TempDir();
        string run = dir.PathOf("run"), onnx = dir.PathOf("model.onnx");
        string[] density = method == "dense" ? [] : ["--density", "0.1"];
        Cli(["train", "--data", "digits", "--model", "resnet8", "--method", method, .. density, "--epochs", "2", "--out", run, "--no-report", "--update-every", "5"]);
        string checkpoint = Path.Combine(run, "last.safetensors");
        using var eval = JsonDocument.Parse(Cli("eval", "--checkpoint", checkpoint, "--json"));
        double expected = eval.RootElement.GetProperty("accuracy").GetDouble();
        Cli("export", "--checkpoint", checkpoint, "--format", "onnx", "--out", onnx, "--sparse-weights", sparseWeights);

        var test = DatasetRegistry.Load("digits", new DataOptions { Normalization = NormalizationMode.Published }).Test;
        double actual = OrtComparison.OrtAccuracy(onnx, test);
        output.WriteLine($"resnet8 {method}: sprout eval {expected:P2}, ONNX Runtime {actual:P2}");
        Assert.True(expected > 0.15, $"resnet8 {method} did not train ({expected:P1}), so the comparison would say little");
        Assert.Equal(expected, actual, 1e-4);
    }

    private static string Cli(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = SproutCli.Run(args, stdout, stderr);
        Assert.True(code == 0, $"sprout {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout.ToString();
    }
}
