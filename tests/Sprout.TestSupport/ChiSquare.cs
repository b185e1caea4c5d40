// ChiSquare: Pearson's goodness-of-fit statistic, for checking samplers against their intended distribution.
namespace Sprout.TestSupport;

public static class ChiSquare
{
    /// <summary>Σ (observed − expected)² / expected over cells with expected &gt; 0; a cell observed with expected 0 gives +∞.</summary>
    public static double Statistic(long[] observed, double[] probabilities, long draws)
    {
        double chi = 0;
        for (int i = 0; i < observed.Length; i++)
        {
            double e = probabilities[i] * draws;
            if (e == 0) { if (observed[i] > 0) return double.PositiveInfinity; continue; }
            chi += (observed[i] - e) * (observed[i] - e) / e;
        }
        return chi;
    }

    /// <summary>A generous critical value (≈ the 99.99% quantile) for <paramref name="df"/> degrees of freedom (Wilson–Hilferty).</summary>
    public static double Critical(int df)
    {
        const double z = 3.72;
        double h = 2.0 / (9.0 * df);
        return df * Math.Pow(1 - h + z * Math.Sqrt(h), 3);
    }
}
