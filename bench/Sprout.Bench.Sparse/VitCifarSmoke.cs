// `vit-cifar`: a short smoke run of the small ViT on real CIFAR-10 (not a result): N AdamW steps at batch 128
// from seed 1, then accuracy on the first 2,000 test images. It checks that the model learns on real data and shows
// what a step costs with the data loader in the loop; reaching the accuracy takes ~50 epochs (about 20,000 steps).
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;

namespace Sprout.Bench.Sparse;

internal static class VitCifarSmoke
{
    public static void Run(int steps)
    {
        var ci = CultureInfo.InvariantCulture;
        var data = DatasetRegistry.Load("cifar10");
        var shape = data.Train.ImageShape;
        var config = VitSpec.Parse("vit:patch=4,dim=128,depth=6,heads=4,mlp=256", shape.Channels, shape.Height, shape.Width, data.Train.ClassCount);
        var rng = new Rng(1);
        var model = new SimpleVit(config, new DenseFactory(rng), rng);
        var loader = new DataLoader(data.Train, new DataLoaderOptions { BatchSize = 128, Shuffle = true, Seed = 1, DropLast = true, Flatten = true });
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 1e-3f, weightDecay: 0.05f);
        var tape = new Tape();
        var losses = new List<float>();
        var clock = Stopwatch.StartNew();
        loader.StartEpoch(0);
        for (int step = 0; step < steps && loader.MoveNext(); step++)
        {
            var batch = loader.Current;
            optimizer.LearningRate = 1e-3f * Math.Min(1f, (step + 1) / 20f);   // 20-step linear warm-up
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(batch.Inputs), loader.LabelBuffer, batch.Count);
            tape.Backward(loss);
            losses.Add(loss[0]);
            GradientClipping.ClipNorm(model.Parameters(), 1f);
            optimizer.Step();
            optimizer.ZeroGrad();
            tape.Reset();
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        var test = new DataLoader(data.Test, new DataLoaderOptions { BatchSize = 250, Shuffle = false });
        test.StartEpoch(0);
        int correct = 0, seen = 0;
        var predicted = new int[250];
        model.Eval();
        while (seen < 2000 && test.MoveNext())
        {
            var batch = test.Current;
            using (tape.Evaluate())
            {
                var logits = model.Forward(batch.Inputs);
                Sprout.Kernels.Reductions.ArgMaxRows(logits.Data, predicted, batch.Count, logits.Dim(1));
            }
            for (int i = 0; i < batch.Count; i++) if (predicted[i] == batch.Labels[i]) correct++;
            seen += batch.Count;
            tape.Reset();
        }
        float Mean(IEnumerable<float> v) => v.Average();
        Console.WriteLine(string.Create(ci, $"{model} on CIFAR-10 ({data.Source}): {losses.Count} steps of 128 in {trainSeconds:0} s " +
            $"({trainSeconds / losses.Count * 1000:0} ms/step incl. data); loss first 10 steps {Mean(losses.Take(10)):0.000}, last 10 {Mean(losses.TakeLast(10)):0.000}; " +
            $"test accuracy on {seen} images {100.0 * correct / seen:0.0}% (chance 10%)"));
    }

    private sealed class DenseFactory(Rng rng) : ILayerFactory
    {
        public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true) => new Linear(inFeatures, outFeatures, rng, bias);

        public Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal) => throw new NotSupportedException("A ViT has no convolutions.");
    }
}
