package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An honest contract (issue 10, item 17): {@code Problem.code} in the served OpenAPI is an enum of exactly the codes
 * the server can send, collected here from the sources of every module — so a new code that is not documented, or a
 * documented one that no longer exists, fails. Codes are literals at the places that make problems; a place that
 * passes a code through from elsewhere must be one of the few known ones, or this collection could miss codes.
 */
class ProblemCodesContractTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Where a problem's code is written as a literal. */
    private static final List<Pattern> LITERAL_CODES = List.of(
            Pattern.compile("new ProblemException\\(\\s*\\d{3}\\s*,\\s*\"([a-z_]+)\""),
            Pattern.compile("ProblemException\\.(?:notFound|conflict|unprocessable)\\(\\s*\"([a-z_]+)\""),
            Pattern.compile("Problems\\.of\\(\\s*[^,]+,\\s*\"([a-z_]+)\""),
            // Session validation's refusals become problems with their code (Credentials.invalid).
            Pattern.compile("new Validation\\.Invalid\\(\\s*\"([a-z_]+)\""),
            Pattern.compile("\\binvalid\\(\\s*\"([a-z_]+)\""),
            // Jetty's own refusals (ProblemErrorHandler.CODES).
            Pattern.compile("\\b\\d{3}, \"([a-z_]+)\"(?=[,)])"));

    /** Factory methods whose code is fixed by their name. */
    private static final List<String[]> NAMED = List.of(
            new String[] {"ProblemException.validation(", "validation_failed"},
            new String[] {"ProblemException.forbidden(", "forbidden"},
            new String[] {"ProblemException.insufficientScope(", "insufficient_scope"},
            new String[] {"Problems.unauthenticated(", "unauthenticated"});

    /** Places that pass a code made elsewhere through: each is known and its sources are collected above. */
    private static final Set<String> PASS_THROUGH = Set.of("ProblemException.java", "Problems.java", "Credentials.java");

    private static final Pattern ANY_CONSTRUCTION = Pattern.compile(
            "(?:new ProblemException\\(\\s*[^,]+,|Problems\\.of\\(\\s*[^,]+,|ProblemException\\.(?:notFound|conflict|unprocessable)\\()\\s*([^\\s,)]+)");

    private static List<Path> mainSources() {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            // ward-client is an app's library, not the server: its filter's own codes (ward_unavailable) are its README's.
            for (Path module : modules.filter(p -> p.getFileName().toString().startsWith("ward-")
                    && !p.getFileName().toString().equals("ward-client")).toList()) {
                Path src = module.resolve("src/main/java");
                if (Files.isDirectory(src)) {
                    try (Stream<Path> files = Files.walk(src)) {
                        files.filter(f -> f.toString().endsWith(".java")).forEach(out::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static final Pattern TOKENS = Pattern.compile(
            "(?s)\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\])'|/\\*.*?\\*/|//[^\\n]*");

    private static String read(Path p) {
        try {
            // Comments may quote codes that are not sent; leave them out. Strings (and text blocks, and char literals) are
            // matched first so that a "/*" or "//" inside one (a path like "/v1/me/mfa/*") starts no comment.
            Matcher m = TOKENS.matcher(Files.readString(p));
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, m.group().startsWith("/") ? "" : Matcher.quoteReplacement(m.group()));
            }
            return m.appendTail(out).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<String> codesInSources() {
        Set<String> codes = new TreeSet<>();
        for (Path file : mainSources()) {
            String text = read(file);
            for (Pattern p : LITERAL_CODES) {
                Matcher m = p.matcher(text);
                while (m.find()) {
                    codes.add(m.group(1));
                }
            }
            for (String[] named : NAMED) {
                if (text.contains(named[0])) {
                    codes.add(named[1]);
                }
            }
        }
        return codes;
    }

    private static JsonNode openApi() throws IOException {
        return new ObjectMapper().readTree(Files.readString(ROOT.resolve("ward-server/src/main/resources/openapi.json")));
    }

    @Test
    void everyCodeTheServerCanSendIsInTheOpenApiEnumAndNothingElse() throws IOException {
        Set<String> documented = new TreeSet<>();
        openApi().path("components").path("schemas").path("Problem").path("properties").path("code").path("enum")
                .forEach(n -> documented.add(n.asText()));
        Set<String> sent = codesInSources();
        assertThat(sent).as("codes found in the sources").hasSizeGreaterThan(40).contains("session_expired", "origin_not_allowed");
        assertThat(documented).as("Problem.code enum in openapi.json").isEqualTo(sent);
    }

    @Test
    void codesArePassedThroughOnlyWhereTheCollectionLooks() {
        List<String> unknown = new ArrayList<>();
        for (Path file : mainSources()) {
            if (PASS_THROUGH.contains(file.getFileName().toString())) {
                continue;
            }
            Matcher m = ANY_CONSTRUCTION.matcher(read(file));
            while (m.find()) {
                if (!m.group(1).startsWith("\"")) {
                    unknown.add(file.getFileName() + ": " + m.group());
                }
            }
        }
        assertThat(unknown).as("problems whose code is not a literal").isEmpty();
    }

    @Test
    void everyCodeNamedInTheDocumentationOfResponsesIsAKnownCode() throws IOException {
        Set<String> sent = codesInSources();
        Set<String> inExamples = new TreeSet<>();
        collectExampleCodes(openApi().path("paths"), inExamples);
        collectExampleCodes(openApi().path("components").path("responses"), inExamples);
        assertThat(sent).as("codes used in the OpenAPI's problem examples").containsAll(inExamples);
    }

    private static void collectExampleCodes(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            JsonNode type = node.get("type");
            JsonNode code = node.get("code");
            if (type != null && type.isTextual() && type.asText().startsWith("urn:ward:problem:") && code != null && code.isTextual()) {
                out.add(code.asText());
            }
            node.fields().forEachRemaining(e -> collectExampleCodes(e.getValue(), out));
        } else if (node.isArray()) {
            node.forEach(n -> collectExampleCodes(n, out));
        }
    }
}
