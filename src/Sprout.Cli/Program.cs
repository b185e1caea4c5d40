// The sprout executable: everything happens in SproutCli so tests can run the same code in-process.
return Sprout.Cli.SproutCli.RunConsole(args);
