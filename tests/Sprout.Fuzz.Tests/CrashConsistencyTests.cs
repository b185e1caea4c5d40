// Crash consistency (issue 11): a real `sprout train` process is SIGKILLed at random moments — half of them the
// instant a checkpoint's temporary file appears, i.e. during the write — and after every kill last.safetensors must
// be a complete, valid checkpoint (the previous epoch's or the new one, never a mix or a torn file), the killed
// process's sprout.lock must not block the next one, and `--resume` from it must continue and finish.
using System.Diagnostics;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;

namespace Sprout.Fuzz.Tests;

public sealed class CrashConsistencyTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-crash");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void KilledAtRandomPointsLastCheckpointIsAlwaysWholeAndResumable()
    {
        if (OperatingSystem.IsWindows()) return; // the test relies on SIGKILL semantics
        string run = _dir.PathOf("run");
        string last = Path.Combine(run, "last.safetensors"), temp = last + ".tmp";
        var rng = new Random(20261207);
        int previousEpoch = 0, killsDuringWrite = 0;
        const int Kills = 6;
        for (int k = 0; k < Kills; k++)
        {
            // ~2.4 MB checkpoints every ~0.1 s: a kill has a real chance to land inside a write.
            string[] args = File.Exists(last)
                ? ["train", "--resume", last, "--plain", "true"]
                : ["train", "--model", "mlp:512,512", "--epochs", "1000", "--out", run, "--overwrite", "true", "--plain", "true"];
            using var process = Start(args);
            bool duringWrite = k % 2 == 1;
            // Random kills come a random time after the process's first checkpoint (so every round leaves one, also on
            // a slow, busy machine); during-write kills wait for a write that replaces an existing checkpoint.
            DateTime before = File.Exists(last) ? File.GetLastWriteTimeUtc(last) : DateTime.MinValue;
            var clock = Stopwatch.StartNew();
            TimeSpan? killAt = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                bool wroteOne = File.Exists(last) && File.GetLastWriteTimeUtc(last) != before;
                if (duringWrite && wroteOne && File.Exists(temp)) { killsDuringWrite++; break; }
                if (!duringWrite && wroteOne) killAt ??= clock.Elapsed + TimeSpan.FromMilliseconds(rng.Next(0, 1000));
                if (clock.Elapsed >= killAt) break;
                if (!duringWrite) Thread.Sleep(2);
            }
            if (process.HasExited) Assert.Fail($"the training process ended on its own (exit {process.ExitCode}): {process.StandardError.ReadToEnd()}");
            process.Kill(); // SIGKILL: no handler, no finally blocks, no flush
            process.WaitForExit();

            if (!File.Exists(last)) continue; // killed before the first epoch ended
            var info = Checkpoint.ReadInfo(last); // throws on a torn or partial file
            Assert.True(info.Epoch >= previousEpoch, $"kill {k}: last.safetensors went back from epoch {previousEpoch} to {info.Epoch}");
            previousEpoch = info.Epoch;
        }
        Assert.True(killsDuringWrite > 0, "no kill landed while a checkpoint was being written");
        Assert.True(previousEpoch > 0, "no checkpoint was ever written");

        // The last kill left a stale sprout.lock and maybe a .tmp: resuming must still work and finish.
        using var finish = Start("train", "--resume", last, "--epochs", (previousEpoch + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--plain", "true");
        Assert.True(finish.WaitForExit(TimeSpan.FromMinutes(2)), "the resumed run did not finish");
        string error = finish.StandardError.ReadToEnd();
        Assert.True(finish.ExitCode == 0, $"resume exited {finish.ExitCode}: {error}");
        Assert.Equal(previousEpoch + 1, Checkpoint.ReadInfo(last).Epoch);
        Assert.False(File.Exists(Path.Combine(run, "sprout.lock")));
    }

    [Fact]
    public void ASecondProcessIsRefusedWhileARunIsLive()
    {
        // The reproduction: a second `--overwrite` run 1 s into the first killed it and mixed their metrics.
        if (OperatingSystem.IsWindows()) return;
        string run = _dir.PathOf("live");
        using var first = Start("train", "--model", "mlp:64", "--epochs", "1000", "--out", run, "--plain", "true");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(run, "metrics.jsonl")) && clock.Elapsed < TimeSpan.FromSeconds(60) && !first.HasExited) Thread.Sleep(10);
        try
        {
            var (output, error) = (new StringWriter(), new StringWriter());
            int code = Sprout.Cli.SproutCli.Run(["train", "--model", "mlp:8", "--epochs", "1", "--out", run, "--overwrite", "true"], output, error);
            Assert.True(code == 2, $"exit {code}: {error}");
            Assert.Contains("in use by another Sprout process", error.ToString());
            Assert.False(first.HasExited, "the refused second run disturbed the first");
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
    }

    /// <summary>Starts the sprout CLI built next to this test assembly as its own process.</summary>
    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sprout.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { }; // drain stdout so the child never blocks on a full pipe
        process.BeginOutputReadLine();
        return process;
    }
}
