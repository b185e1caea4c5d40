// OrtComparison: runs a model in Sprout and its ONNX export in ONNX Runtime on the same batches of a test split, and
// reports the largest logit difference and both accuracies (argmax, first index on ties in both).
using Microsoft.ML.OnnxRuntime;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Onnx;
using Sprout.Training;

namespace Sprout.Onnx.Tests;

internal static class OrtComparison
{
    public sealed record Result(double MaxAbsDiff, double SproutAccuracy, double OrtAccuracy, int Samples, int Disagreements);

    public sealed record RandomResult(double MaxAbsDiff, double MaxAbsLogit, int Samples, int Disagreements);

    /// <summary>Compares Sprout's and ONNX Runtime's logits on one batch of standard-normal inputs [batch, …sample].</summary>
    public static RandomResult RunRandom(Module model, int[] sample, int batch, OnnxExportOptions options, Rng rng)
    {
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxExporter.ToModel(model, sample, options));
        using var session = new InferenceSession(bytes);
        using var runOptions = new RunOptions();
        int size = sample.Aggregate(1, (a, d) => a * d);
        var x = new Tensor(batch, size);
        rng.FillNormal(x.Data, 0f, 1f);
        using var input = OrtValue.CreateTensorValueFromMemory(x.Data.ToArray(), [batch, .. sample.Select(d => (long)d)]);
        using var outputs = session.Run(runOptions, [options.InputName], [input], [options.OutputName]);
        var ort = outputs[0].GetTensorDataAsSpan<float>();
        model.Eval();
        var tape = new Tape();
        float[] logits;
        using (tape.Evaluate()) logits = model.Forward(x).Data.ToArray();
        tape.Reset();
        if (ort.Length != logits.Length) throw new InvalidOperationException($"ONNX Runtime gave {ort.Length} logits, Sprout {logits.Length}.");
        double maxDiff = 0, maxLogit = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(logits[i] - ort[i]));
            maxLogit = Math.Max(maxLogit, Math.Abs(logits[i]));
        }
        int classes = logits.Length / batch, disagreements = 0;
        for (int n = 0; n < batch; n++)
            if (ArgMax(logits.AsSpan(n * classes, classes)) != ArgMax(ort.Slice(n * classes, classes))) disagreements++;
        return new RandomResult(maxDiff, maxLogit, batch, disagreements);
    }

    /// <summary>Test accuracy of the ONNX file at <paramref name="path"/> in ONNX Runtime (inputs as Sprout's loader gives them).</summary>
    public static double OrtAccuracy(string path, Dataset test) => OrtMetrics(path, test).Accuracy;

    /// <summary>Test accuracy and mean cross-entropy of the ONNX file at <paramref name="path"/> in ONNX Runtime.</summary>
    public static (double Accuracy, double Loss) OrtMetrics(string path, Dataset test)
    {
        using var session = new InferenceSession(path);
        using var runOptions = new RunOptions();
        var source = new DataLoaderSource(test, 100, shuffle: false);
        source.Reset(0);
        int correct = 0, samples = 0;
        double loss = 0;
        long[] sample = [test.ImageShape.Channels, test.ImageShape.Height, test.ImageShape.Width];
        while (source.Next(out var inputs, out var labels, out int count))
        {
            using var x = OrtValue.CreateTensorValueFromMemory(inputs.Data[..(count * test.SampleSize)].ToArray(), [count, .. sample]);
            using var outputs = session.Run(runOptions, ["input"], [x], ["logits"]);
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            int classes = logits.Length / count;
            for (int n = 0; n < count; n++)
            {
                var row = logits.Slice(n * classes, classes);
                if (ArgMax(row) == labels[n]) correct++;
                loss += CrossEntropy(row, labels[n]);
            }
            samples += count;
        }
        return ((double)correct / samples, loss / samples);
    }

    // −log softmax(row)[label], in double with the max subtracted.
    private static double CrossEntropy(ReadOnlySpan<float> row, int label)
    {
        double max = row[ArgMax(row)], sum = 0;
        foreach (float v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - row[label];
    }

    public static Result Run(Module model, Dataset test, OnnxExportOptions options, int batchSize = 100)
    {
        int[] sample = [test.ImageShape.Channels, test.ImageShape.Height, test.ImageShape.Width];
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxExporter.ToModel(model, sample, options));
        using var session = new InferenceSession(bytes);
        using var runOptions = new RunOptions();
        model.Eval();
        var tape = new Tape();
        var source = new DataLoaderSource(test, batchSize, shuffle: false);
        source.Reset(0);
        double maxDiff = 0;
        int sproutCorrect = 0, ortCorrect = 0, samples = 0, disagreements = 0;
        while (source.Next(out var inputs, out var labels, out int count))
        {
            float[] x = inputs.Data[..(count * test.SampleSize)].ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(x, [count, .. sample.Select(d => (long)d)]);
            using var outputs = session.Run(runOptions, [options.InputName], [input], [options.OutputName]);
            var ort = outputs[0].GetTensorDataAsSpan<float>();
            float[] logits;
            using (tape.Evaluate()) logits = model.Forward(inputs).Data.ToArray();
            tape.Reset();
            int classes = logits.Length / count;
            if (ort.Length != logits.Length) throw new InvalidOperationException($"ONNX Runtime gave {ort.Length} logits, Sprout {logits.Length}.");
            for (int i = 0; i < logits.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(logits[i] - ort[i]));
            for (int n = 0; n < count; n++)
            {
                int a = ArgMax(logits.AsSpan(n * classes, classes)), b = ArgMax(ort.Slice(n * classes, classes));
                if (a == labels[n]) sproutCorrect++;
                if (b == labels[n]) ortCorrect++;
                if (a != b) disagreements++;
            }
            samples += count;
        }
        return new Result(maxDiff, (double)sproutCorrect / samples, (double)ortCorrect / samples, samples, disagreements);
    }

    /// <summary>Trains a model for a few epochs with SGD (no method callbacks: the topology stays as initialised).</summary>
    public static void Train(Module model, Dataset train, Dataset test, int epochs)
    {
        var trainer = new Trainer(model, new Sprout.Nn.Optim.Sgd(model.NamedParameters(), 0.05f, 0.9f));
        trainer.Fit(new DataLoaderSource(train, 64, shuffle: true, seed: 5), new DataLoaderSource(test, 500, shuffle: false), epochs);
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
