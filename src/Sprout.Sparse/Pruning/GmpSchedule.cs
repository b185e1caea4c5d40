// GmpSchedule: the sparsity schedule of gradual magnitude pruning (Zhu & Gupta, "To prune, or not to prune:
// exploring the efficacy of pruning for model compression", 2017): s_t = s_f + (s_i − s_f)·(1 − (t − t0)/(n·Δt))³
// for t0 ≤ t ≤ t0 + n·Δt, pruning every Δt steps. (ALGORITHMS.md marks the exact formula as from memory [U].)
namespace Sprout.Sparse.Pruning;

/// <summary>Cubic sparsity ramp from <see cref="InitialSparsity"/> at <see cref="StartStep"/> to <see cref="FinalSparsity"/> after <see cref="Rounds"/>·<see cref="Every"/> steps.</summary>
public sealed class GmpSchedule
{
    /// <summary>Creates a schedule; throws naming the bad value.</summary>
    public GmpSchedule(double initialSparsity, double finalSparsity, int startStep, int every, int rounds)
    {
        if (!(initialSparsity is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(initialSparsity), initialSparsity, "Initial sparsity must be in [0, 1).");
        if (!(finalSparsity is >= 0 and < 1) || finalSparsity < initialSparsity) throw new ArgumentOutOfRangeException(nameof(finalSparsity), finalSparsity, "Final sparsity must be in [initial, 1).");
        if (startStep < 0) throw new ArgumentOutOfRangeException(nameof(startStep), startStep, "The start step must be ≥ 0.");
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "Δt must be ≥ 1 step.");
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "At least one pruning round is needed.");
        (InitialSparsity, FinalSparsity, StartStep, Every, Rounds) = (initialSparsity, finalSparsity, startStep, every, rounds);
    }

    /// <summary>s_i.</summary>
    public double InitialSparsity { get; }

    /// <summary>s_f.</summary>
    public double FinalSparsity { get; }

    /// <summary>t0.</summary>
    public int StartStep { get; }

    /// <summary>Δt.</summary>
    public int Every { get; }

    /// <summary>n.</summary>
    public int Rounds { get; }

    /// <summary>True at t0, t0 + Δt, …, t0 + n·Δt.</summary>
    public bool IsPruningStep(int step) => step >= StartStep && step <= StartStep + Rounds * Every && (step - StartStep) % Every == 0;

    /// <summary>s_t (s_i before t0, s_f after the ramp).</summary>
    public double SparsityAt(int step)
    {
        if (step <= StartStep) return InitialSparsity;
        double frac = Math.Min(1.0, (double)(step - StartStep) / ((double)Rounds * Every));
        double r = 1 - frac;
        return FinalSparsity + (InitialSparsity - FinalSparsity) * r * r * r;
    }
}
