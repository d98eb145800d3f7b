package dev.ward.server.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * {@code --output FILE} of the commands that write an export or a report: standard output without it; with it, the
 * file, written beside itself first ({@code FILE.partial}) and moved into place only when whole, so that a cut write
 * never passes for a whole one.
 */
final class OutputFile {
    @Option(names = "--output", paramLabel = "FILE", description = "Write here (replaced when complete) instead of standard output.")
    Path output;

    boolean toFile() { return output != null; }

    /** Runs {@code body} on the output; answers 0, or 2 after saying on standard error why the file could not be written. */
    int write(String command, Consumer<OutputStream> body) {
        if (output == null) {
            OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
            body.accept(out);
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return 0;
        }
        Path target = output.toAbsolutePath();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16)) {
                body.accept(out);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return 0;
        } catch (IOException e) {
            deleteQuietly(partial);
            System.err.println(command + ": cannot write " + output + " (" + e.getClass().getSimpleName() + ").");
            return 2;
        } catch (RuntimeException e) {
            deleteQuietly(partial);
            throw e;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the partial file stays behind, named as such
        }
    }
}
