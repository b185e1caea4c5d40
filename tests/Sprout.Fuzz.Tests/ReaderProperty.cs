// ReaderProperty: the one property every reader must have, checked by FsCheck on mutated copies of a valid file:
// reading either succeeds (and the caller's check of the result holds) or fails with the reader's own one-line
// error, which the CLI maps to exit 2 — never another exception type, never a read that takes seconds or
// allocates far more than the file could justify. Runs use a fixed seed, so a failure reproduces.
using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using Sprout.Cli;

namespace Sprout.Fuzz.Tests;

public static class ReaderProperty
{
    /// <summary>Largest allocation one read may make beyond a fixed allowance: this many times the file's size.</summary>
    private const long AllocationPerInputByte = 64;
    private const long AllocationAllowance = 32 << 20;
    private static readonly ulong ExtraSeed = ulong.TryParse(Environment.GetEnvironmentVariable("SPROUT_FUZZ_SEED"), out ulong s) ? s : 0;

    /// <summary>
    /// Checks <paramref name="read"/> on <paramref name="cases"/> mutations of <paramref name="seed"/> (whose first
    /// <paramref name="head"/> bytes are its header). <paramref name="read"/> gets the mutated bytes and returns
    /// normally on success; a reader exception must be one the CLI reports as bad input (exit 2) on one line.
    /// </summary>
    public static void Check(string name, byte[] seed, int head, int cases, ulong rngSeed, Action<byte[]> read)
    {
        read(seed); // the unmutated file must load, or the property tests nothing
        int ran = 0;
        var property = Prop.ForAll(Mutation.Lists(head), mutations =>
        {
            ran++;
            byte[] input = Mutation.Apply(seed, mutations);
            string what = $"{name} with [{string.Join("; ", mutations.Select(m => m.ToString()))}]";
            Holds(input, what, read);
        });
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true)
            .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(rngSeed + ExtraSeed), Microsoft.FSharp.Core.FSharpOption<int>.None)));
        FsCheck.Check.One(config, property);
        if (ran < cases) throw new Xunit.Sdk.XunitException($"{name}: only {ran} of {cases} cases ran");
    }

    /// <summary>The property for one input (also used for the regression corpus).</summary>
    public static void Holds(byte[] input, string what, Action<byte[]> read)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        try
        {
            read(input);
        }
        catch (Exception e) when (IsBadInput(e))
        {
            var error = new StringWriter();
            int code = SproutCli.Report(e, new CliContext(TextWriter.Null, error, false, []), verbose: false);
            if (code != ExitCodes.Usage) throw new Xunit.Sdk.XunitException($"{what}: exit {code}, not 2: {e.Message}");
            if (error.ToString().TrimEnd('\n').Contains('\n')) throw new Xunit.Sdk.XunitException($"{what}: the error is not one line: {error}");
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: {e.GetType().Name} escaped the reader: {e.Message}\n{e.StackTrace}");
        }
        long used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (used > AllocationAllowance + AllocationPerInputByte * input.Length)
            throw new Xunit.Sdk.XunitException($"{what}: a {input.Length}-byte input allocated {used} bytes");
        if (clock.Elapsed > TimeSpan.FromSeconds(5))
            throw new Xunit.Sdk.XunitException($"{what}: took {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static bool IsBadInput(Exception e) =>
        e is UsageException or Sprout.Data.DataException or Sprout.Training.Checkpoints.CheckpointException;
}
