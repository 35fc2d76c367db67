package dev.gantry.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * `gantry generate-completion`: picocli's GenerateCompletion, without the --help and --version options it
 * declares itself (they would clash with the --help every command inherits from {@link Main}).
 */
@Command(name = "generate-completion", description = {
        "Print a bash/zsh completion script for gantry.",
        "To give `gantry` TAB completion in the current shell: source <(gantry generate-completion)"})
final class CompletionCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        // print, not println: a script with Windows line ends fails in odd ways
        out.print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        out.print('\n');
        out.flush();
    }
}
