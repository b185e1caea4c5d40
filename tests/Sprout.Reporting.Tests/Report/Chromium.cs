// Chromium: drives the Debian `chromium` package headless for the browser test. Console messages are read from
// Chromium's own log on stderr (--enable-logging=stderr), where every console call appears as a CONSOLE line with
// its level; the test proves this detection on a control page that does log an error. Element boxes come from a
// copy of the page with a script that writes them into the DOM, dumped with --dump-dom at the same window size
// as the screenshot (device scale factor 1, so CSS pixels are screenshot pixels).
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sprout.Reporting.Tests.Report;

internal static partial class Chromium
{
    /// <summary>The browser's path, or null when none is installed.</summary>
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Runs headless Chromium on a file with extra arguments; returns (stdout, stderr).</summary>
    public static (string Output, string Error) Run(string htmlPath, int width, int height, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException("Chromium is not installed."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string profile = Directory.CreateTempSubdirectory("sprout-chromium-").FullName;
        foreach (string a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
                     $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", $"--window-size={width},{height}", .. arguments,
                     new Uri(htmlPath).AbsoluteUri])
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("Chromium did not finish within 120 s.");
        }
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        return (stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Console messages Chromium logged (lines like "INFO:CONSOLE:1] \"text\", source: …"). Headless Chromium logs every
    /// console call at INFO whatever its level, so any message counts: the report has no script of its own.
    /// </summary>
    public static IReadOnlyList<string> ConsoleMessages(string stderr) => [.. stderr.Split('\n').Where(l => ConsoleLine().IsMatch(l))];

    /// <summary>
    /// A script for a test copy of a page: on load it records resource and script errors (caught in the capture phase
    /// from the very start), images that did not decode, and the box of every element matching <paramref name="selector"/>,
    /// as JSON in body[data-probe] for --dump-dom.
    /// </summary>
    public static string ProbeScript(string selector) =>
        "<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(e.message||((e.target&&e.target.src)||'?').slice(0,80));},true);" +
        "window.addEventListener('load',function(){var boxes=[].map.call(document.querySelectorAll('" + selector + "'),function(el){var r=el.getBoundingClientRect();" +
        "return {name:el.getAttribute('data-plot'),x:r.left+window.scrollX,y:r.top+window.scrollY,w:r.width,h:r.height};});" +
        "var broken=[].filter.call(document.images,function(i){return !i.complete||i.naturalWidth===0;}).length;" +
        "document.body.setAttribute('data-probe',JSON.stringify({errors:window.__errors,broken:broken,boxes:boxes}));});</script>";

    [GeneratedRegex(@":(INFO|WARNING|ERROR|FATAL|VERBOSE\d*):CONSOLE(\(\d+\))?[:\]]")]
    private static partial Regex ConsoleLine();
}
