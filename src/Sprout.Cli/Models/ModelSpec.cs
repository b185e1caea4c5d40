// ModelSpec: a parsed --model value, "<kind>[:<arguments>]" (e.g. "mlp:300,100"). Only the syntax is
// checked here; ModelRegistry validates the kind and its arguments.
namespace Sprout.Cli.Models;

/// <summary>A model spec split into its kind and argument text.</summary>
/// <param name="Text">The spec as given.</param>
/// <param name="Kind">Lower-case kind, e.g. "mlp".</param>
/// <param name="Arguments">Text after the colon ("" when absent).</param>
public sealed record ModelSpec(string Text, string Kind, string Arguments)
{
    /// <summary>Splits "kind:args".</summary>
    /// <exception cref="UsageException">The spec is empty.</exception>
    public static ModelSpec Parse(string text)
    {
        string t = text.Trim();
        if (t.Length == 0) throw new UsageException("--model is empty; use e.g. --model mlp:300,100.");
        int colon = t.IndexOf(':');
        return colon < 0
            ? new ModelSpec(t, t.ToLowerInvariant(), "")
            : new ModelSpec(t, t[..colon].Trim().ToLowerInvariant(), t[(colon + 1)..].Trim());
    }

    /// <summary>The arguments as a list of positive integers ("300,100" → [300, 100]; "" → []).</summary>
    /// <exception cref="UsageException">An entry is not a positive integer.</exception>
    public int[] PositiveInts(string example)
    {
        if (Arguments.Length == 0) return [];
        string[] parts = Arguments.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
                throw new UsageException($"Bad model spec '{Text}': '{parts[i]}' is not a positive integer; expected e.g. {example}.");
        return values;
    }
}
