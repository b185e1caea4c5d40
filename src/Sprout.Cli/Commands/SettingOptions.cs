// SettingOptions: exposes SettingsTable entries as System.CommandLine options. Every option is a string
// (flags take an optional value), and values are parsed by the Setting itself, so errors read the same
// whether a value came from a flag or from a YAML file.
using System.CommandLine;
using Sprout.Cli.Config;

namespace Sprout.Cli.Commands;

/// <summary>Maps settings to command-line options and back.</summary>
public static class SettingOptions
{
    /// <summary>Adds an option --key for each setting to <paramref name="command"/>.</summary>
    public static IReadOnlyList<(Setting Setting, Option<string[]> Option)> Add(Command command, IEnumerable<Setting> settings)
    {
        var list = new List<(Setting, Option<string[]>)>();
        var defaults = new TrainSettings();
        foreach (var s in settings)
        {
            // Optimizer-dependent defaults are null here; their help text already spells them out.
            string? fallback = s.Read(defaults) switch
            {
                null or int[] or false => null,
                true => "true",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                object v => v.ToString(),
            };
            var option = new Option<string[]>("--" + s.Key)
            {
                Description = fallback is null || s.Help.Contains("default", StringComparison.Ordinal) ? s.Help : $"{s.Help} [default: {fallback}]",
                HelpName = s.ValueName,
                Arity = s.IsFlag ? ArgumentArity.ZeroOrMore : ArgumentArity.OneOrMore, // repeated flags: the last one wins
            };
            command.Add(option);
            list.Add((s, option));
        }
        return list;
    }

    /// <summary>Applies the options that appear on the command line (not defaults) to <paramref name="settings"/>.</summary>
    /// <exception cref="UsageException">A value is invalid.</exception>
    public static void ApplyGiven(ParseResult parse, IEnumerable<(Setting Setting, Option<string[]> Option)> options, TrainSettings settings)
    {
        foreach (var (setting, option) in options)
        {
            var result = parse.GetResult(option);
            if (result is null || result.Implicit) continue;
            string raw = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            setting.Apply(settings, raw, "--" + setting.Key);
        }
    }
}
