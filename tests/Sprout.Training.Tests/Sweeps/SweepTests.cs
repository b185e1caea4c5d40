// Sweep engine: every (config, seed) runs once in order, aggregates are mean ± sample std, and the table states
// its command.
using Sprout.Training.Sweeps;

namespace Sprout.Training.Tests.Sweeps;

public class SweepTests
{
    [Fact]
    public void RunsEveryConfigAndSeedAndAggregates()
    {
        var calls = new List<(string, ulong)>();
        var sweep = new Sweep<string>(["set", "gse"], c => c, [1, 2, 3]);
        var rows = sweep.Run((c, s) =>
        {
            calls.Add((c, s));
            return new RunResult(c == "set" ? 0.01 * s : 0.02, 2.0 + s, 10, 100);
        });
        Assert.Equal([("set", 1UL), ("set", 2UL), ("set", 3UL), ("gse", 1UL), ("gse", 2UL), ("gse", 3UL)], calls);
        Assert.Equal(0.02, rows[0].ErrorMean, 9);
        Assert.Equal(0.01, rows[0].ErrorStd, 9);
        Assert.Equal(0.0, rows[1].ErrorStd, 9);
        Assert.Equal(0.1, rows[0].RelativeFlopsMean, 9);
        var md = Sweep<string>.ToMarkdown(rows, "sprout sweep configs/mnist --seeds 1,2,3");
        Assert.Contains("`sprout sweep configs/mnist --seeds 1,2,3`", md);
        Assert.Contains("| set | 3 | 2.00 ± 1.00 | 4.0 ± 1.0 | — | 0.100 |", md); // no peak memory recorded
    }

    [Fact]
    public void PeakMemoryIsTheLargestOverTheSeedsThatRecordedOne()
    {
        var row = SweepRow.From("rigl", [new RunResult(0.1, 1, 1, 1, 812.4), new RunResult(0.1, 1, 1, 1), new RunResult(0.1, 1, 1, 1, 903.6)]);
        Assert.Equal(903.6, row.PeakMemoryMb, 9);
        Assert.Contains("| rigl | 3 | 10.00 ± 0.00 | 1.0 ± 0.0 | 904 | 1.000 |", Sweep<string>.ToMarkdown([row], "c"));
    }

    [Fact]
    public void RejectsDuplicateNames() =>
        Assert.Contains("unique", Assert.Throws<ArgumentException>(() => new Sweep<string>(["a", "a"], c => c, [1])).Message);

    [Fact]
    public void ARunnerWithoutAResultLeavesTheSeedOutAndTheTableNamesIt()
    {
        var sweep = new Sweep<string>(["rigl", "set"], c => c, [0, 1]);
        var rows = sweep.Run((c, s) => c == "rigl" && s == 0 ? new RunResult(0.1, 2, 1, 4) : (RunResult?)null);
        Assert.Equal(1, rows[0].Seeds);
        Assert.Equal([1UL], rows[0].MissingSeeds);
        Assert.Equal(0, rows[1].Seeds);
        var md = Sweep<string>.ToMarkdown(rows, "c");
        Assert.Contains("| rigl | 1 | 10.00 ± 0.00 | 2.0 ± 0.0 | — | 0.250 |", md);
        Assert.Contains("| set | 0 | not run yet | — | — | — |", md);
        Assert.Contains("Not finished yet (seeds): rigl 1; set 0, 1.", md);
    }
}
