// The run report in a real browser: headless Chromium renders the page of a real (tiny) training run with no
// console message, no failed resource and no broken image, and every plot's region of the screenshot has content.
// A control page with a console.error and a missing image proves those checks can fail.
using System.Text.Json;
using SkiaSharp;
using Sprout.Reporting.Report;
using Sprout.TestSupport;

namespace Sprout.Reporting.Tests.Report;

public class BrowserTests
{
    private const int Width = 1400, Height = 2600;

    [ChromiumFact]
    public void ControlPageErrorsAreDetected()
    {
        using var dir = new TempDir();
        string page = dir.PathOf("control.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><head>" + Chromium.ProbeScript("img") +
            "</head><body><img src=\"missing.png\"><script>console.error('sprout-control-error');</script></body></html>");
        var (dom, stderr) = Chromium.Run(page, 800, 600, "--dump-dom", "--virtual-time-budget=3000");
        Assert.Contains(Chromium.ConsoleMessages(stderr), l => l.Contains("sprout-control-error"));
        var probe = Probe(dom);
        Assert.Equal(1, probe.GetProperty("broken").GetInt32());
        Assert.NotEqual(0, probe.GetProperty("errors").GetArrayLength());
    }

    [ChromiumFact]
    public void ReportRendersWithoutErrorsAndEveryPlotHasContent()
    {
        using var dir = new TempDir();
        TinyRun.Train(dir.PathOf("run"), epochs: 4);
        string report = dir.PathOf("run", HtmlReport.FileName);
        HtmlReport.Write(report, [RunData.Load(dir.PathOf("run"))]);

        // The report as shipped: screenshot and console.
        string png = dir.PathOf("report.png");
        var (_, stderr) = Chromium.Run(report, Width, Height, $"--screenshot={png}");
        Assert.Empty(Chromium.ConsoleMessages(stderr));
        Assert.True(File.Exists(png), "Chromium wrote no screenshot:\n" + stderr);

        // A probed copy (same layout; the script only writes an attribute): errors, broken images and plot boxes.
        string probed = dir.PathOf("run", "probed.html");
        File.WriteAllText(probed, File.ReadAllText(report).Replace("<head>", "<head>" + Chromium.ProbeScript("figure.plot")));
        var (dom, probeErr) = Chromium.Run(probed, Width, Height, "--dump-dom", "--virtual-time-budget=3000");
        var probe = Probe(dom);
        Assert.Equal(0, probe.GetProperty("broken").GetInt32());
        Assert.Equal(0, probe.GetProperty("errors").GetArrayLength());
        Assert.Empty(Chromium.ConsoleMessages(probeErr));

        var boxes = probe.GetProperty("boxes").EnumerateArray().ToList();
        Assert.Equal(["loss", "accuracy", "lr", "density", "churn", "inputs-start", "inputs-end"], boxes.Select(b => b.GetProperty("name").GetString()));
        using var shot = SKBitmap.Decode(png);
        Assert.Equal(Width, shot.Width);
        foreach (var box in boxes)
        {
            string name = box.GetProperty("name").GetString()!;
            int x = (int)box.GetProperty("x").GetDouble(), y = (int)box.GetProperty("y").GetDouble();
            int w = (int)box.GetProperty("w").GetDouble(), h = (int)box.GetProperty("h").GetDouble();
            Assert.True(w > 100 && h > 100, $"plot {name} is only {w} × {h} px");
            Assert.True(x + w <= shot.Width && y + h <= shot.Height, $"plot {name} at ({x}, {y}) {w} × {h} is outside the {shot.Width} × {shot.Height} screenshot");
            var (inked, colours) = Ink(shot, x, y, w, h);
            Assert.True(inked > 0.03, $"plot {name}: only {inked:P1} of its pixels are not white");
            Assert.True(colours >= 4, $"plot {name}: only {colours} distinct colours");
        }
    }

    private static JsonElement Probe(string dom)
    {
        const string marker = "data-probe=\"";
        int start = dom.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, "The probe script did not run (no data-probe attribute in the dumped DOM).");
        start += marker.Length;
        string json = System.Net.WebUtility.HtmlDecode(dom[start..dom.IndexOf('"', start)]);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    // Fraction of non-white pixels and number of distinct colours (quantised to 4 bits per channel) in a region.
    private static (double Inked, int Colours) Ink(SKBitmap bitmap, int x0, int y0, int w, int h)
    {
        long inked = 0;
        var colours = new HashSet<int>();
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red < 240 || c.Green < 240 || c.Blue < 240) inked++;
                colours.Add((c.Red >> 4) << 8 | (c.Green >> 4) << 4 | c.Blue >> 4);
            }
        return ((double)inked / ((long)w * h), colours.Count);
    }
}
