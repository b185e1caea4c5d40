// Every --method's checkpoint exports to ONNX and runs in ONNX Runtime with the test accuracy `sprout eval` reports
// for it (same split, same normalization): the export covers every layer kind the methods build.
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Sprout.Cli;
using Sprout.Cli.Methods;
using Sprout.Data;
using Sprout.TestSupport;
using Sprout.Training;

namespace Sprout.Onnx.Tests;

public class EveryMethodExportTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Methods() => [.. MethodRegistry.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Methods))]
    public void CheckpointOfEveryMethodRunsInOnnxRuntimeWithItsEvalAccuracy(string method)
    {
        using var dir = new TempDir();
        string run = dir.PathOf("run"), onnx = dir.PathOf("model.onnx");
        string[] density = method == "dense" ? [] : ["--density", "0.3"];
        Cli(["train", "--method", method, .. density, "--model", "mlp:64,32", "--epochs", "4", "--out", run, "--no-report", "--update-every", "5"]);
        string checkpoint = Path.Combine(run, "last.safetensors");
        using var eval = JsonDocument.Parse(Cli("eval", "--checkpoint", checkpoint, "--json"));
        double expected = eval.RootElement.GetProperty("accuracy").GetDouble();
        Cli("export", "--checkpoint", checkpoint, "--format", "onnx", "--out", onnx, "--sparse-weights", "sparse-constant");

        // As `sprout train` and `sprout eval` load it (--normalize published, the default).
        var test = DatasetRegistry.Load("digits", new DataOptions { Normalization = NormalizationMode.Published }).Test;
        using var session = new InferenceSession(onnx);
        var source = new DataLoaderSource(test, 100, shuffle: false);
        source.Reset(0);
        int correct = 0, samples = 0;
        while (source.Next(out var inputs, out var labels, out int count))
        {
            using var x = OrtValue.CreateTensorValueFromMemory(inputs.Data[..(count * test.SampleSize)].ToArray(), [count, 1, test.ImageShape.Height, test.ImageShape.Width]);
            using var outputs = session.Run(new RunOptions(), ["input"], [x], ["logits"]);
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            int classes = logits.Length / count;
            for (int n = 0; n < count; n++)
            {
                var row = logits.Slice(n * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
                if (best == labels[n]) correct++;
            }
            samples += count;
        }
        double actual = (double)correct / samples;
        output.WriteLine($"{method}: sprout eval {expected:P2}, ONNX Runtime {actual:P2}");
        // Well above chance (10 %) for every method; spartan, with its defaults, reaches only about 30 % in 4 epochs here.
        Assert.True(expected > 0.25, $"{method} did not train ({expected:P1})");
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
