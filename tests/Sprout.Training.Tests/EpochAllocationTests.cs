// A whole epoch through RunEpoch (data, progress, evaluation) allocates only per-epoch bookkeeping.
namespace Sprout.Training.Tests;

public class EpochAllocationTests
{
    [Fact]
    public void AWholeEpochAllocatesOnlyPerEpochBookkeeping()
    {
        // 400 samples / batch 10 = 40 steps: any per-step allocation would show up as ≥ 40 × its size.
        var (train, test) = (new Blobs(samples: 400, batchSize: 10, seed: 31), new Blobs(samples: 30, seed: 31, shuffle: false));
        var trainer = TrainerTests.Make(train, epochs: 4);
        trainer.Progress = new Sprout.Training.Progress.PlainProgressReporter(TextWriter.Null);
        trainer.RunEpoch(train, test, totalEpochs: 4); // warm up
        trainer.RunEpoch(train, test, totalEpochs: 4);
        long before = GC.GetAllocatedBytesForCurrentThread();
        trainer.RunEpoch(train, test, totalEpochs: 4);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4096, $"one 40-step epoch allocated {allocated} bytes");
    }
}
