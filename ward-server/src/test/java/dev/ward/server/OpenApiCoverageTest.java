package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.server.http.RouteTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds the served OpenAPI document to the routes the server really registers: every route is documented,
 * nothing is documented that is not served, and the document is internally consistent.
 */
class OpenApiCoverageTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}/]+)}");

    static TestWard w;
    static JsonNode doc;

    @BeforeAll
    static void start() throws Exception {
        w = new TestWard();
        TestWard.Response r = w.get("/openapi.json", null);
        assertThat(r.status()).as("GET /openapi.json status").isEqualTo(200);
        assertThat(r.header("Content-Type")).as("GET /openapi.json content type").startsWith("application/json");
        doc = new ObjectMapper().readTree(r.raw());
    }

    @AfterAll
    static void stop() {
        if (w != null) {
            w.close();
        }
    }

    /** One documented operation: "POST /v1/admin/tenants". */
    private record Operation(String method, String path, JsonNode node, JsonNode pathItem) {
        String key() { return method.toUpperCase(Locale.ROOT) + " " + path; }
    }

    private static List<Operation> operations() {
        List<Operation> ops = new ArrayList<>();
        doc.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
            if (METHODS.contains(m.getKey())) {
                ops.add(new Operation(m.getKey(), p.getKey(), m.getValue(), p.getValue()));
            }
        }));
        return ops;
    }

    private static String key(RouteTable.Route route) {
        return route.method().toUpperCase(Locale.ROOT) + " " + route.path();
    }

    @Test
    void isOpenApi31() {
        assertThat(doc.path("openapi").asText()).as("openapi version").startsWith("3.1.");
        assertThat(doc.path("info").path("title").asText()).isEqualTo("Ward");
        assertThat(doc.path("info").path("version").asText()).isNotBlank();
        assertThat(doc.path("paths").isObject()).as("paths is an object").isTrue();
    }

    @Test
    void theRouteTableIsNotEmpty() {
        assertThat(w.ward.routes().all()).as("registered routes").isNotEmpty();
    }

    @Test
    void everyRouteIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (RouteTable.Route route : w.ward.routes().all()) {
            JsonNode op = doc.path("paths").path(route.path()).path(route.method().toLowerCase(Locale.ROOT));
            if (!op.isObject()) {
                missing.add(key(route));
            }
        }
        assertThat(missing).as("routes registered in RouteTable but missing from openapi.json").isEmpty();
    }

    @Test
    void everyDocumentedOperationIsARoute() {
        Set<String> served = new TreeSet<>();
        w.ward.routes().all().forEach(r -> served.add(key(r)));
        List<String> phantoms = operations().stream().map(Operation::key).filter(k -> !served.contains(k)).toList();
        assertThat(phantoms).as("operations in openapi.json that no route serves").isEmpty();
    }

    @Test
    void everyOperationHasAUniqueOperationIdAndResponses() {
        Map<String, List<String>> byId = new HashMap<>();
        List<String> withoutId = new ArrayList<>();
        List<String> withoutResponses = new ArrayList<>();
        for (Operation op : operations()) {
            String id = op.node().path("operationId").asText("");
            if (id.isBlank()) {
                withoutId.add(op.key());
            } else {
                byId.computeIfAbsent(id, k -> new ArrayList<>()).add(op.key());
            }
            JsonNode responses = op.node().path("responses");
            if (!responses.isObject() || responses.isEmpty()) {
                withoutResponses.add(op.key());
            }
        }
        assertThat(withoutId).as("operations without operationId").isEmpty();
        assertThat(byId.entrySet().stream().filter(e -> e.getValue().size() > 1).map(e -> e.getKey() + " " + e.getValue()).toList())
                .as("operationIds used more than once").isEmpty();
        assertThat(withoutResponses).as("operations without responses").isEmpty();
    }

    @Test
    void everyPathParameterIsDeclared() {
        List<String> problems = new ArrayList<>();
        for (Operation op : operations()) {
            Set<String> inTemplate = new LinkedHashSet<>();
            Matcher m = TEMPLATE_PARAM.matcher(op.path());
            while (m.find()) {
                inTemplate.add(m.group(1));
            }
            Set<String> declared = new LinkedHashSet<>();
            List<JsonNode> params = new ArrayList<>();
            op.pathItem().path("parameters").forEach(params::add);
            op.node().path("parameters").forEach(params::add);
            for (JsonNode p : params) {
                JsonNode param = resolve(p);
                if (param == null) {
                    problems.add(op.key() + ": unresolvable parameter " + p);
                    continue;
                }
                if ("path".equals(param.path("in").asText())) {
                    String name = param.path("name").asText();
                    declared.add(name);
                    if (!param.path("required").asBoolean(false)) {
                        problems.add(op.key() + ": path parameter '" + name + "' is not required: true");
                    }
                    if (!inTemplate.contains(name)) {
                        problems.add(op.key() + ": declares path parameter '" + name + "' that is not in the template");
                    }
                }
            }
            for (String name : inTemplate) {
                if (!declared.contains(name)) {
                    problems.add(op.key() + ": path parameter '" + name + "' is not declared");
                }
            }
        }
        assertThat(problems).as("path parameter problems").isEmpty();
    }

    @Test
    void everyRefResolves() {
        List<String> unresolved = new ArrayList<>();
        collectRefs(doc, "#", unresolved);
        assertThat(unresolved).as("$refs that do not resolve within the document").isEmpty();
    }

    private static void collectRefs(JsonNode node, String where, List<String> unresolved) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                if (!ref.isTextual() || resolve(node) == null) {
                    unresolved.add(where + " -> " + ref);
                }
            }
            node.properties().forEach(e -> collectRefs(e.getValue(),
                    where + "/" + e.getKey().replace("~", "~0").replace("/", "~1"), unresolved));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectRefs(node.get(i), where + "/" + i, unresolved);
            }
        }
    }

    /** The node itself, or what its local {@code $ref} points at (following chains); null when it does not resolve. */
    private static JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; hops < 20; hops++) {
            JsonNode ref = current.get("$ref");
            if (ref == null) {
                return current;
            }
            String target = ref.asText();
            if (!target.startsWith("#/")) {
                return null;
            }
            JsonNode next = doc.at(JsonPointer.compile(target.substring(1)));
            if (next.isMissingNode()) {
                return null;
            }
            current = next;
        }
        return null;
    }
}
