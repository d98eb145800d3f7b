package dev.ward.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Option;

/**
 * {@code --format table|json}: a table for people (the default) or JSON for scripts, on standard output alone (progress
 * and messages then go to standard error). {@code text}, the audit commands' earlier name for the table, is still taken.
 */
final class OutputFormat {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--format", paramLabel = "F", defaultValue = "table",
            description = "table (for people, the default) or json (for scripts).")
    String format;

    /** True (after saying why, for exit code 2) when the format is neither. */
    boolean bad(String command) {
        if (format.equals("table") || format.equals("text") || format.equals("json")) {
            return false;
        }
        System.err.println(command + ": --format must be table or json.");
        return true;
    }

    boolean json() { return format.equals("json"); }

    /** Where people's lines go: standard output for a table, standard error beside JSON (which alone is the answer). */
    java.io.PrintStream people() { return json() ? System.err : System.out; }

    /** Pretty JSON of maps, lists and plain values. */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a view that Jackson cannot write", e);
        }
    }

    static ObjectMapper mapper() { return JSON; }
}
