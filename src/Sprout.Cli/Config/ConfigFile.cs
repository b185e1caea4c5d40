// ConfigFile: reads a `sprout train --config FILE` YAML file (a flat mapping with the same kebab-case
// keys as the flags) and writes the resolved config.yaml of a run. Unknown keys, nested values and YAML
// syntax errors become one-line UsageExceptions naming the file, the key and the valid keys.
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sprout.Cli.Config;

/// <summary>YAML config files for `sprout train`.</summary>
public static partial class ConfigFile
{
    /// <summary>Reads <paramref name="path"/> and applies its keys to <paramref name="settings"/>.</summary>
    /// <exception cref="UsageException">The file is missing, is not valid YAML, or has an unknown key or bad value.</exception>
    public static void Apply(string path, TrainSettings settings)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new UsageException($"Config file not found: {path}");
        byte[] bytes = Training.BoundedFile.ReadAllBytes(path, MaxBytes, why => new UsageException($"Config file {path} {why}."));
        string text;
        try
        {
            text = Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new UsageException($"Config file {path} is not UTF-8 text; save it as UTF-8 YAML.");
        }
        ApplyText(text.TrimStart('\uFEFF'), Path.GetFileName(path), settings);
    }

    /// <summary>Config files larger than this are refused (a full config is about 2 KB).</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Applies YAML text; <paramref name="source"/> names it in error messages.</summary>
    public static void ApplyText(string yaml, string source, TrainSettings settings)
    {
        foreach (var (key, value, line) in Read(yaml, source))
        {
            var setting = SettingsTable.Find(key) ?? throw UnknownKey(key, source, line);
            setting.Apply(settings, value, $"{source}: '{key}'");
        }
    }

    /// <summary>The resolved settings as YAML (reproducible keys only), loadable with --config.</summary>
    public static string ToYaml(TrainSettings settings)
    {
        var sb = new StringBuilder("# Resolved settings of this run. Reproduce it with: sprout train --config config.yaml\n");
        foreach (var s in SettingsTable.All)
            if (s.Reproducible) sb.Append(s.Key).Append(": ").Append(YamlValue(s.Read(settings))).Append('\n');
        return sb.ToString();
    }

    /// <summary>All settings as a JSON object (for summary.json).</summary>
    public static JsonObject ToJson(TrainSettings settings)
    {
        var json = new JsonObject();
        foreach (var s in SettingsTable.All)
        {
            json[s.Key] = s.Read(settings) switch
            {
                null => null,
                int[] list => new JsonArray(list.Select(v => (JsonNode?)v).ToArray()),
                double[] list => new JsonArray(list.Select(v => (JsonNode?)v).ToArray()),
                int v => v,
                ulong v => v,
                double v => v,
                bool v => v,
                object v => v.ToString(),
            };
        }
        return json;
    }

    private static List<(string Key, string Value, int Line)> Read(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new UsageException($"{source}: invalid YAML at line {e.Start.Line}: {Clean(e.InnerException?.Message ?? e.Message)}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this on some malformed input (found by fuzzing) instead of a YamlException.
            throw new UsageException($"{source}: invalid YAML (the parser gave up: {e.Message}); check the file's indentation and quoting.", e);
        }
        var result = new List<(string, string, int)>();
        if (stream.Documents.Count == 0) return result;
        if (stream.Documents.Count > 1) throw new UsageException($"{source}: expected one YAML document, found {stream.Documents.Count}.");
        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" }) return result;
        if (root is not YamlMappingNode mapping)
            throw new UsageException($"{source}: expected 'key: value' lines at the top level (line {root.Start.Line}).");
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            int line = (int)keyNode.Start.Line;
            if (keyNode is not YamlScalarNode { Value: string key })
                throw new UsageException($"{source}: line {line}: keys must be plain names.");
            string value = valueNode switch
            {
                YamlScalarNode scalar => scalar.Value ?? "",
                YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode) =>
                    string.Join(",", seq.Children.Select(c => ((YamlScalarNode)c).Value)),
                _ => throw new UsageException($"{source}: line {line}: '{key}' must be a single value or a list of values."),
            };
            result.Add((key, value, line));
        }
        return result;
    }

    private static UsageException UnknownKey(string key, string source, int line)
    {
        string kebab = key.Replace('_', '-').ToLowerInvariant();
        string hint = kebab != key && SettingsTable.Find(kebab) is not null ? $" (did you mean '{kebab}'?)" : "";
        return new UsageException($"{source}: line {line}: unknown key '{key}'{hint}; valid keys: {SettingsTable.KeyList()}.");
    }

    private static string YamlValue(object? value) => value switch
    {
        null => "null",
        int[] list => "[" + string.Join(", ", list) + "]",
        double[] list => "[" + string.Join(", ", list.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s => PlainScalar().IsMatch(s) && s is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "auto")
            ? s
            : "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    // YamlDotNet messages carry "(Line: 3, Col: 1, Idx: 9) - (Line: ...): " prefixes; the line is reported separately.
    private static string Clean(string message) => LocationPrefix().Replace(message, "").ReplaceLineEndings(" ").Trim();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.:,+-]*$")]
    private static partial Regex PlainScalar();

    [GeneratedRegex(@"\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex LocationPrefix();
}
