// TostCallback on a tiny ResNet-20: during the ghost phase the model carries dense ghost skip paths (trained by their
// own optimizer, never by the run's) and soft neurons; from the switch on it is structurally a plain ResNet-20 —
// the same parameter and buffer names and shapes, the same module tree, the same checkpoint tensors — with exact ReLUs
// and no label smoothing.
using System.Collections;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;
using Sprout.Training.Recipes.Tost;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Recipes.Tost;

public sealed class TostCallbackTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-tost");

    public void Dispose() => _dir.Dispose();

    private static Trainer Make(ulong seed, int classes, int batchesPerEpoch, float smoothing = 0f)
    {
        var model = ConvModels.Build("resnet20", new DenseTestFactory(seed), 2, 4, 4, classes);
        var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        return new Trainer(model, opt, new CosineLr(3 * batchesPerEpoch), new TrainerOptions { LabelSmoothing = smoothing });
    }

    private static TostCallback Recipe(Trainer trainer, int switchStep, int startStep = 0, FlopCounter? flops = null) =>
        new(trainer.Model, new TostSchedule(switchStep), ghostNeurons: true, ghostSkips: true, smoothingStart: 0.1f,
            p => new Sgd(p, 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true), startStep, flops);

    [Fact]
    public void GhostsAreGoneAfterTheSwitchInModelAndCheckpoint()
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3, batchSize: 16);
        var trainer = Make(1, data.Classes, data.BatchesPerEpoch, smoothing: 0.1f);
        var plain = Make(2, data.Classes, data.BatchesPerEpoch);
        var flops = new FlopCounter(trainer.Model);   // the run's counter, as the sparsity driver builds it: no ghost layers in it
        var recipe = Recipe(trainer, switchStep: data.BatchesPerEpoch, flops: flops); // ghosts for exactly one epoch
        trainer.Callbacks.Add(recipe);

        Assert.True(recipe.HasGhostPaths);
        Assert.Contains(trainer.Model.NamedParameters(), p => p.Name == "layer1.0.ghost.conv_a.weight");
        Assert.Contains(trainer.Model.NamedBuffers(), p => p.Name == "layer3.2.ghost.bn_b.running_var");
        Assert.DoesNotContain(trainer.Optimizer.Parameters, p => p.Name.Contains("ghost", StringComparison.Ordinal));
        var ghostWeight = trainer.Model.NamedParameters().First(p => p.Name == "layer2.0.ghost.conv_a.weight").Tensor;
        Assert.All(ghostWeight.ToArray(), w => Assert.Equal(GhostSkipPaths.InitialWeight, w));
        Assert.All(Ghosts.Relus(trainer.Model), r => Assert.Equal(1f, r.GhostBeta));

        var firstEpoch = trainer.RunEpoch(data, data);   // the switch happens after this epoch's last step
        Assert.True(double.IsFinite(firstEpoch.TrainLoss));
        Assert.NotEqual(GhostSkipPaths.InitialWeight, ghostWeight[0]); // the ghost optimizer trained them
        // The ghosts' cost went into the run's counter (nothing else adds to it in this test).
        Assert.True(recipe.GhostMacs > 0);
        Assert.Equal(recipe.GhostMacs, flops.ExecutedMacs);
        Assert.False(recipe.HasGhostPaths);
        Assert.All(Ghosts.Relus(trainer.Model), r => Assert.True(float.IsPositiveInfinity(r.GhostBeta)));
        Assert.Equal(0f, trainer.LabelSmoothing);
        trainer.RunEpoch(data, data);

        AssertSameStructure(plain.Model.NamedParameters(), trainer.Model.NamedParameters());
        AssertSameStructure(plain.Model.NamedBuffers(), trainer.Model.NamedBuffers());
        Assert.Equal(Checkpoint.Architecture(plain.Model), Checkpoint.Architecture(trainer.Model));
        string withRecipe = _dir.PathOf("tost.safetensors"), without = _dir.PathOf("plain.safetensors");
        Checkpoint.Save(withRecipe, trainer);
        Checkpoint.Save(without, plain);
        var a = SafetensorsFile.Read(withRecipe).Entries.Select(e => (e.Name, string.Join('x', e.Shape.ToArray()))).ToList();
        var b = SafetensorsFile.Read(without).Entries.Select(e => (e.Name, string.Join('x', e.Shape.ToArray()))).ToList();
        Assert.Equal(b, a);
        Assert.DoesNotContain(a, e => e.Name.Contains("ghost", StringComparison.Ordinal));
        // A plain model loads the recipe's checkpoint.
        Checkpoint.LoadModel(withRecipe, plain.Model);

        var summary = recipe.Summary();
        long expectedGhosts = trainer.Model.Modules().OfType<BasicBlock>().Sum(b => (long)b.InChannels * b.OutChannels + (long)b.OutChannels * b.OutChannels + 4L * b.OutChannels);
        Assert.Equal(expectedGhosts, (long)summary["ghost_params"]!);
        Assert.True((double)summary["ghost_macs"]! > 0);
        Assert.True((bool)summary["ghosts_removed"]!);
    }

    [Fact]
    public void ResumingAfterTheSwitchInstallsNoGhostsAndBeforeItInstallsThem()
    {
        var trainer = Make(1, 3, 4);
        var after = Recipe(trainer, switchStep: 4, startStep: 4);
        Assert.False(after.HasGhostPaths);
        Assert.All(Ghosts.Relus(trainer.Model), r => Assert.True(float.IsPositiveInfinity(r.GhostBeta)));
        var other = Make(1, 3, 4);
        var before = Recipe(other, switchStep: 4, startStep: 2);
        Assert.True(before.HasGhostPaths);
        Assert.Equal(new TostSchedule(4).Beta(2), Ghosts.Relus(other.Model)[0].GhostBeta);
    }

    [Fact]
    public void AResumePastTheSwitchTrainsWithoutLabelSmoothingFromItsFirstStep()
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3, batchSize: 16);
        var trainer = Make(1, data.Classes, data.BatchesPerEpoch, smoothing: 0.1f);   // the settings' ε, as a resumed run starts
        var recipe = Recipe(trainer, switchStep: 4, startStep: 8);
        trainer.Callbacks.Add(recipe);
        recipe.OnForwardStart(trainer, 8);
        Assert.Equal(0f, trainer.LabelSmoothing);
        // Its checkpoint was a plain model's: the ghosts' multiply-adds are not known here (the run's FLOP counter has them).
        Assert.Null(recipe.Summary()["ghost_macs"]);
        var fresh = Recipe(Make(1, data.Classes, data.BatchesPerEpoch), switchStep: 4);
        Assert.NotNull(fresh.Summary()["ghost_macs"]);
    }

    [Fact]
    public void ACheckpointFromTheGhostPhaseResumesWithItsGhosts()
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3, batchSize: 16);
        var (first, path) = GhostPhaseCheckpoint(data);
        Assert.Contains(SafetensorsFile.Read(path).Entries, e => e.Name == "layer1.0.ghost.conv_b.weight");

        var resumed = Make(7, data.Classes, data.BatchesPerEpoch);
        var recipe = Recipe(resumed, switchStep: 2 * data.BatchesPerEpoch, startStep: Checkpoint.ReadInfo(path).Step);
        resumed.Callbacks.Add(recipe);
        Checkpoint.Restore(path, resumed);
        Assert.Equal(((TostCallback)first.Callbacks.Single(c => c is TostCallback)).GhostMacs, recipe.GhostMacs);   // restored, not restarted at 0
        Assert.True(recipe.GhostMacs > 0);
        var ghost = resumed.Model.NamedParameters().First(p => p.Name == "layer3.0.ghost.conv_a.weight").Tensor;
        Assert.Equal(first.Model.NamedParameters().First(p => p.Name == "layer3.0.ghost.conv_a.weight").Tensor.ToArray(), ghost.ToArray());
        resumed.RunEpoch(data, data);
        Assert.False(recipe.HasGhostPaths);
    }

    [Theory]
    [InlineData("sgd")]    // momentum
    [InlineData("adam")]   // two moments and a bias correction that depends on the ghost optimizer's step count
    public void AResumeInTheGhostPhaseIsBitExact(string ghostOptimizer)
    {
        var (train, test) = (new Blobs(samples: 64, features: 32, seed: 5, batchSize: 16), new Blobs(samples: 32, features: 32, seed: 5, shuffle: false));
        int switchStep = 3 * train.BatchesPerEpoch;   // ghosts stay alive through both epochs
        Trainer Run(ulong seed, int startStep)
        {
            var trainer = Make(seed, train.Classes, train.BatchesPerEpoch);
            trainer.Callbacks.Add(new TostCallback(trainer.Model, new TostSchedule(switchStep), ghostNeurons: true, ghostSkips: true,
                smoothingStart: 0.1f, p => ghostOptimizer == "adam" ? new Adam(p, 1e-3f) : new Sgd(p, 0.05f, momentum: 0.9f), startStep));
            return trainer;
        }
        var straight = Run(1, 0);
        straight.Fit(train, test, 2);

        var first = Run(1, 0);
        first.Fit(train, test, 1);
        string path = _dir.PathOf("ghost-phase.safetensors");
        Checkpoint.Save(path, first);
        Assert.Contains(SafetensorsFile.Read(path).Entries, e => e.Name.StartsWith("tost.ghost_optimizer.ghost0.conv_a.weight.", StringComparison.Ordinal));
        var resumed = Run(77, Checkpoint.ReadInfo(path).Step);   // another init: the restore must overwrite it all
        Checkpoint.Restore(path, resumed);
        resumed.Fit(train, test, 2);

        // Everything a checkpoint holds (parameters with the ghost paths, buffers, both optimizers' state) is the same.
        string a = _dir.PathOf("straight.safetensors"), b = _dir.PathOf("resumed.safetensors");
        Checkpoint.Save(a, straight);
        Checkpoint.Save(b, resumed);
        var (fa, fb) = (SafetensorsFile.Read(a), SafetensorsFile.Read(b));
        Assert.Equal(fa.Entries.Select(e => e.Name), fb.Entries.Select(e => e.Name));
        Assert.Contains(fa.Entries, e => e.Name.Contains("ghost", StringComparison.Ordinal));
        foreach (var e in fa.Entries)
            Assert.True(StructuralComparisons.StructuralEqualityComparer.Equals(fa.ToTypedArray(e.Name), fb.ToTypedArray(e.Name)), $"{e.Name} differs");
    }

    [Fact]
    public void AnOlderGhostPhaseCheckpointWithoutGhostOptimizerStateStillResumes()
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3, batchSize: 16);
        var (_, path) = GhostPhaseCheckpoint(data);
        string older = _dir.PathOf("older.safetensors");
        var file = SafetensorsFile.Read(path);
        var kept = file.Entries.Where(e => !e.Name.StartsWith("tost.", StringComparison.Ordinal)).ToList();
        Assert.True(kept.Count < file.Entries.Count);
        SafetensorsWriter.Write(older, kept.Select(e => new StateEntry(e.Name, file.ToTypedArray(e.Name), e.Shape.ToArray())).ToList(), file.Metadata);

        var resumed = Make(7, data.Classes, data.BatchesPerEpoch);
        resumed.Callbacks.Add(Recipe(resumed, switchStep: 2 * data.BatchesPerEpoch, startStep: Checkpoint.ReadInfo(older).Step));
        Checkpoint.Restore(older, resumed);
        Assert.True(double.IsFinite(resumed.RunEpoch(data, data).TrainLoss));
    }

    [Fact]
    public void GhostSkipsNeedResidualBlocks()
    {
        var mlp = new Sequential(new Linear(4, 4, new Rng(1)), new Relu(), new Linear(4, 2, new Rng(2)));
        Assert.Throws<ArgumentException>(() => new TostCallback(mlp, new TostSchedule(3), false, true, 0f, p => new Sgd(p, 0.1f)));
        var neuronsOnly = new TostCallback(mlp, new TostSchedule(3), true, false, 0f, null);
        Assert.Equal(1f, ((Relu)mlp.Layers[1]).GhostBeta);
        Assert.False(neuronsOnly.HasGhostPaths);
    }

    // One epoch of a run whose ghosts last two epochs, saved in the middle of the ghost phase.
    private (Trainer Trainer, string Path) GhostPhaseCheckpoint(Blobs data)
    {
        var trainer = Make(1, data.Classes, data.BatchesPerEpoch);
        trainer.Callbacks.Add(Recipe(trainer, switchStep: 2 * data.BatchesPerEpoch));
        trainer.RunEpoch(data, data);
        string path = _dir.PathOf("ghost-phase.safetensors");
        Checkpoint.Save(path, trainer);
        return (trainer, path);
    }

    private static void AssertSameStructure(IReadOnlyList<(string Name, Tensor Tensor)> expected, IReadOnlyList<(string Name, Tensor Tensor)> actual)
    {
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(p => (p.Name, string.Join('x', p.Tensor.Shape.ToArray()))), actual.Select(p => (p.Name, string.Join('x', p.Tensor.Shape.ToArray()))));
    }
}
