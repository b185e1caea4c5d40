// Tolerance comparisons used by every test project: |a − b| ≤ atol + rtol·|b|, with a message that
// names the first index that fails, so a kernel mismatch is diagnosable from the test output alone.
namespace Sprout.TestSupport;

public static class Approx
{
    /// <summary>Asserts element-wise closeness of <paramref name="actual"/> to <paramref name="expected"/>.</summary>
    public static void Equal(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float atol = 1e-5f, float rtol = 1e-4f, string? what = null)
    {
        Xunit.Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) && float.IsNaN(a)) continue;
            if (!(MathF.Abs(a - e) <= atol + rtol * MathF.Abs(e)))
                Xunit.Assert.Fail($"{what}: element {i} is {a}, expected {e} (atol {atol}, rtol {rtol})");
        }
    }

    /// <summary>Asserts closeness of two scalars.</summary>
    public static void Equal(double expected, double actual, double atol, double rtol = 0, string? what = null)
    {
        if (!(Math.Abs(actual - expected) <= atol + rtol * Math.Abs(expected)))
            Xunit.Assert.Fail($"{what}: {actual}, expected {expected} (atol {atol}, rtol {rtol})");
    }
}
