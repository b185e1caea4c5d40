// CommaList: the comma-separated number lists of the bench commands (--sizes, --floats, --widths, --densities),
// parsed in one place so every such option accepts the same text and names the bad item the same way.
using System.Globalization;

namespace Sprout.Cli.Commands;

/// <summary>Parses "a,b,c" option values; a bad item is a <see cref="UsageException"/> naming the option and the item.</summary>
internal static class CommaList
{
    /// <summary>Positive integers up to <paramref name="max"/>; <paramref name="example"/> goes into the error message.</summary>
    /// <exception cref="UsageException">An item is not an integer in [1, max].</exception>
    public static int[] PositiveInts(string text, string option, string example, int max = int.MaxValue) => Parse(text, part =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 && n <= max
            ? n
            : throw new UsageException($"{option} must be positive integers{(max < int.MaxValue ? $" up to {max}" : "")}, e.g. {example}; got '{part}'."));

    /// <summary>Densities in (0, 1]; <paramref name="example"/> goes into the error message.</summary>
    /// <exception cref="UsageException">An item is not a number in (0, 1].</exception>
    public static double[] Densities(string text, string option, string example) => Parse(text, part =>
        double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d is > 0 and <= 1
            ? d
            : throw new UsageException($"{option} must be numbers in (0, 1], e.g. {example}; got '{part}'."));

    private static T[] Parse<T>(string text, Converter<string, T> parse) =>
        Array.ConvertAll(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), parse);
}
