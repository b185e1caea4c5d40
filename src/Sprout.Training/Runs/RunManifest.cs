// RunManifest: the list of files Sprout wrote into a run folder (sprout.manifest, one relative name per line,
// a trailing '/' for a sub-run folder that has its own manifest). It exists so that --overwrite removes only
// what Sprout wrote: a name is recorded before its file is first created, so even a crash mid-write leaves
// nothing of Sprout's unrecorded, and anything not listed is the user's and is never touched.
using System.Text;

namespace Sprout.Training.Runs;

/// <summary>Reads and appends to a run folder's sprout.manifest.</summary>
internal sealed class RunManifest
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private const string Header = "# Files Sprout wrote in this folder; `--overwrite` deletes these and refuses if anything else is here.";

    private readonly string _folder;
    private readonly List<string> _names;

    private RunManifest(string folder, List<string> names) => (_folder, _names) = (folder, names);

    /// <summary>The manifest's own file name.</summary>
    public const string FileName = "sprout.manifest";

    /// <summary>The recorded names, in the order they were recorded.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Loads the manifest of <paramref name="folder"/>, or null when it has none.</summary>
    public static RunManifest? Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        var names = File.ReadAllLines(path, Utf8NoBom)
            .Where(l => l.Length > 0 && l[0] != '#' && IsSafeName(l.TrimEnd('/')))
            .Distinct(StringComparer.Ordinal).ToList();
        return new RunManifest(folder, names);
    }

    /// <summary>Starts an empty manifest in <paramref name="folder"/> (replacing any previous one).</summary>
    public static RunManifest CreateEmpty(string folder)
    {
        var manifest = new RunManifest(folder, []);
        manifest.Save();
        return manifest;
    }

    /// <summary>Records <paramref name="name"/> (a file name, or "folder/" for a sub-run) unless it already is.</summary>
    /// <exception cref="ArgumentException">The name is not a plain name inside the folder.</exception>
    public void Record(string name)
    {
        if (!IsSafeName(name.TrimEnd('/'))) throw new ArgumentException($"'{name}' is not a plain file name inside the run folder.", nameof(name));
        lock (_names)
        {
            if (_names.Contains(name, StringComparer.Ordinal)) return;
            _names.Add(name);
            Save();
        }
    }

    /// <summary>
    /// Everything under <paramref name="folder"/> that Sprout wrote, recursing into recorded sub-runs, or the first
    /// entry that Sprout did not write (<paramref name="foreign"/>). <paramref name="also"/> are extra names Sprout
    /// owns without recording them (the lock file).
    /// </summary>
    public static List<string> Owned(string folder, IReadOnlyCollection<string> also, out string? foreign)
    {
        foreign = null;
        var owned = new List<string>();
        var manifest = Load(folder);
        if (manifest is null)
        {
            foreign = Directory.EnumerateFileSystemEntries(folder).FirstOrDefault(p => !also.Contains(Path.GetFileName(p)));
            foreign ??= folder; // an unrecorded folder is never Sprout's to delete, even if it is empty but for a lock
            return owned;
        }
        var files = new HashSet<string>(manifest.Names.Where(n => !n.EndsWith('/')), StringComparer.Ordinal) { FileName };
        foreach (string n in also) files.Add(n);
        var folders = new HashSet<string>(manifest.Names.Where(n => n.EndsWith('/')).Select(n => n.TrimEnd('/')), StringComparer.Ordinal);
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder))
        {
            string name = Path.GetFileName(entry);
            bool isDirectory = Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint);
            if (isDirectory && folders.Contains(name))
            {
                owned.AddRange(Owned(entry, [], out foreign));
                if (foreign is not null) return owned;
                owned.Add(entry + Path.DirectorySeparatorChar);
            }
            // A write interrupted between its temporary file and the rename leaves "<name>.tmp": also Sprout's.
            else if (!isDirectory && (files.Contains(name) || (name.EndsWith(".tmp", StringComparison.Ordinal) && files.Contains(name[..^4]))))
                owned.Add(entry);
            else
            {
                foreign = entry;
                return owned;
            }
        }
        return owned;
    }

    private void Save()
    {
        string path = Path.Combine(_folder, FileName), temp = path + ".tmp";
        File.WriteAllText(temp, Header + "\n" + string.Concat(_names.Select(n => n + "\n")), Utf8NoBom);
        File.Move(temp, path, overwrite: true);
    }

    private static bool IsSafeName(string name) =>
        name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0', '\n', '\r']) < 0;
}
