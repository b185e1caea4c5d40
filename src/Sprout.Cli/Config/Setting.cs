// Setting: one key of `sprout train` (flag --key, YAML key `key`): its help text, how to parse and
// validate a raw value into TrainSettings, and how to read it back for config.yaml/summary.json.
// Parsing lives here, not in System.CommandLine, so a flag and a YAML key give the same one-line errors.
using System.Globalization;

namespace Sprout.Cli.Config;

/// <summary>A named, parseable training setting.</summary>
public sealed class Setting
{
    private readonly Action<TrainSettings, string, string> _apply;
    private readonly Func<TrainSettings, object?> _read;

    private Setting(string key, string help, string valueName, bool isFlag, bool reproducible,
        Action<TrainSettings, string, string> apply, Func<TrainSettings, object?> read)
    {
        Key = key;
        Help = help;
        ValueName = valueName;
        IsFlag = isFlag;
        Reproducible = reproducible;
        _apply = apply;
        _read = read;
    }

    /// <summary>Kebab-case key, used as --key and as the YAML key.</summary>
    public string Key { get; }
    /// <summary>Help text.</summary>
    public string Help { get; }
    /// <summary>Placeholder shown in help, e.g. "N".</summary>
    public string ValueName { get; }
    /// <summary>True for booleans: "--key" alone means true.</summary>
    public bool IsFlag { get; }
    /// <summary>False for run-control keys (out, name, overwrite, plain) that config.yaml leaves out.</summary>
    public bool Reproducible { get; }

    /// <summary>Parses <paramref name="raw"/> into <paramref name="settings"/>; <paramref name="where"/> names the source in errors.</summary>
    /// <exception cref="UsageException">The value is malformed or out of range.</exception>
    public void Apply(TrainSettings settings, string raw, string where) => _apply(settings, raw.Trim(), where);

    /// <summary>The current value (int, double, bool, string, int[] or null).</summary>
    public object? Read(TrainSettings settings) => _read(settings);

    /// <summary>An integer ≥ <paramref name="min"/>.</summary>
    public static Setting Int(string key, string help, int min, Func<TrainSettings, int> get, Action<TrainSettings, int> set, bool reproducible = true) =>
        new(key, help, "N", false, reproducible, (s, raw, where) => set(s, ParseInt(raw, where, min)), s => get(s));

    /// <summary>An optional integer ≥ <paramref name="min"/> ("auto" or empty = null).</summary>
    public static Setting OptionalInt(string key, string help, int min, Func<TrainSettings, int?> get, Action<TrainSettings, int?> set) =>
        new(key, help, "N", false, true, (s, raw, where) => set(s, IsUnset(raw) ? null : ParseInt(raw, where, min)), s => get(s));

    /// <summary>An unsigned 64-bit integer.</summary>
    public static Setting UInt64(string key, string help, Func<TrainSettings, ulong> get, Action<TrainSettings, ulong> set) =>
        new(key, help, "N", false, true, (s, raw, where) =>
        {
            if (!ulong.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
                throw new UsageException($"{where} must be a non-negative integer, got '{raw}'.");
            set(s, v);
        }, s => get(s));

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>] (exclusive bounds when asked).</summary>
    public static Setting Number(string key, string help, double min, double max, Func<TrainSettings, double> get, Action<TrainSettings, double> set,
        bool minExclusive = false, bool maxExclusive = false) =>
        new(key, help, "X", false, true, (s, raw, where) =>
        {
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new UsageException($"{where} must be a number, got '{raw}'.");
            bool tooLow = minExclusive ? v <= min : v < min, tooHigh = maxExclusive ? v >= max : v > max;
            if (tooLow || tooHigh)
                throw new UsageException($"{where} must be {Range(min, max, minExclusive, maxExclusive)}, got {raw}.");
            set(s, v);
        }, s => get(s));

    /// <summary>An optional number (see <see cref="Number"/>); "auto" or empty = null (a default resolved later).</summary>
    public static Setting OptionalNumber(string key, string help, double min, Func<TrainSettings, double?> get, Action<TrainSettings, double?> set,
        bool minExclusive = false)
    {
        var inner = Number(key, help, min, double.PositiveInfinity, s => get(s) ?? 0, (s, v) => set(s, v), minExclusive);
        return new(key, help, "X", false, true, (s, raw, where) =>
        {
            if (IsUnset(raw)) set(s, null);
            else inner.Apply(s, raw, where);
        }, s => get(s));
    }

    /// <summary>A boolean; as a flag, its presence means true.</summary>
    public static Setting Bool(string key, string help, Func<TrainSettings, bool> get, Action<TrainSettings, bool> set, bool reproducible = true) =>
        new(key, help, "true|false", true, reproducible, (s, raw, where) => set(s, raw.ToLowerInvariant() switch
        {
            "" or "true" or "yes" or "on" or "1" => true,
            "false" or "no" or "off" or "0" => false,
            _ => throw new UsageException($"{where} must be true or false, got '{raw}'."),
        }), s => get(s));

    /// <summary>One of a fixed list of names (case-insensitive; stored lower-case).</summary>
    public static Setting Choice(string key, string help, string[] choices, Func<TrainSettings, string> get, Action<TrainSettings, string> set) =>
        new(key, $"{help} ({string.Join("|", choices)})", "NAME", false, true, (s, raw, where) =>
        {
            string v = raw.ToLowerInvariant();
            if (Array.IndexOf(choices, v) < 0)
                throw new UsageException($"{where}: unknown {key} '{raw}'; valid: {string.Join(", ", choices)}.");
            set(s, v);
        }, s => get(s));

    /// <summary>Free text, validated later by its consumer (dataset and model names, paths).</summary>
    public static Setting Text(string key, string help, string valueName, Func<TrainSettings, string?> get, Action<TrainSettings, string?> set,
        bool reproducible = true, bool nullable = false) =>
        new(key, help, valueName, false, reproducible, (s, raw, where) =>
        {
            if (IsUnset(raw))
            {
                if (!nullable) throw new UsageException($"{where} needs a value.");
                set(s, null);
                return;
            }
            set(s, raw);
        }, s => get(s));

    /// <summary>A comma-separated list of positive integers ("auto" or empty = null).</summary>
    public static Setting IntList(string key, string help, Func<TrainSettings, int[]?> get, Action<TrainSettings, int[]?> set) =>
        new(key, help, "N,N,...", false, true, (s, raw, where) =>
        {
            if (IsUnset(raw))
            {
                set(s, null);
                return;
            }
            string[] parts = raw.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries);
            set(s, Array.ConvertAll(parts, p => ParseInt(p, where, 1)));
        }, s => get(s));

    /// <summary>
    /// Multistep milestones: epochs ("42,84") or fractions of the run ("0.42,0.84", every value below 1), so one
    /// config works for any --epochs. Stored as given; <see cref="TrainingSetup.MilestoneEpochs"/> resolves them.
    /// </summary>
    public static Setting MilestoneList(string key, string help, Func<TrainSettings, double[]?> get, Action<TrainSettings, double[]?> set) =>
        new(key, help, "E,E,...|F,F,...", false, true, (s, raw, where) =>
        {
            if (IsUnset(raw))
            {
                set(s, null);
                return;
            }
            string[] parts = raw.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries);
            var values = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0) || double.IsInfinity(values[i])
                    || (values[i] >= 1 && values[i] != Math.Floor(values[i])))
                    throw new UsageException($"{where} must list epochs (positive integers, e.g. 42,84) or fractions of the run below 1 (e.g. 0.42,0.84), got '{parts[i]}'.");
            }
            if (values.Any(v => v < 1) && values.Any(v => v >= 1))
                throw new UsageException($"{where} mixes epochs and fractions ('{raw}'); give all as epochs (42,84) or all as fractions of the run (0.42,0.84).");
            set(s, values);
        }, s => get(s));

    private static bool IsUnset(string raw) => raw.Length == 0 || raw is "auto" or "null" or "~";

    private static int ParseInt(string raw, string where, int min)
    {
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) || v < min)
            throw new UsageException(min switch
            {
                1 => $"{where} must be a positive integer, got '{raw}'.",
                0 => $"{where} must be a non-negative integer, got '{raw}'.",
                _ => $"{where} must be an integer ≥ {min}, got '{raw}'.",
            });
        return v;
    }

    private static string Range(double min, double max, bool minExclusive, bool maxExclusive)
    {
        string lo = min.ToString(CultureInfo.InvariantCulture), hi = max.ToString(CultureInfo.InvariantCulture);
        if (double.IsPositiveInfinity(max)) return minExclusive ? $"greater than {lo}" : $"at least {lo}";
        return $"in {(minExclusive ? "(" : "[")}{lo}, {hi}{(maxExclusive ? ")" : "]")}";
    }
}
