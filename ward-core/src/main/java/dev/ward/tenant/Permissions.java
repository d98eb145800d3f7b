package dev.ward.tenant;

import dev.ward.problem.ProblemException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A tenant's role × module permissions (policy {@code permissions}, C10; seed 002 asked for them): for each role, the
 * actions it may take in each module, e.g. {@code {"provider": {"patients": ["read","write"], "pharmacy": ["read"]}}}.
 * An action {@code "*"} grants every action of that module. A session holds the union over its roles; no entry is no
 * permission (deny by default). Immutable; the union per role set is computed once and kept, since validation asks for
 * it on every call.
 */
public final class Permissions {
    /** Roles, modules and actions: lower-case names as roles are written ({@code "*"} only as an action). */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    public static final String ANY = "*";
    /** Bounds that keep a policy (and every session object that carries its union) small. */
    static final int MAX_ROLES = 100;
    static final int MAX_MODULES = 100;
    static final int MAX_ACTIONS = 32;
    /** How many distinct role sets keep their union cached (a tenant has few; more are computed each time). */
    private static final int MAX_CACHED = 256;

    private static final Permissions NONE = new Permissions(Map.of());

    /** role → module → sorted actions. */
    private final Map<String, Map<String, List<String>>> grants;
    private final Map<List<String>, Map<String, List<String>>> unions = new ConcurrentHashMap<>();

    private Permissions(Map<String, Map<String, List<String>>> grants) {
        this.grants = grants;
    }

    public static Permissions none() { return NONE; }

    /**
     * Parses and validates a {@code permissions} object as JSON gives it (role → module → array of actions), naming the
     * offending field as {@code policy.permissions.<role>.<module>} in {@code 400 validation_failed}.
     */
    public static Permissions parse(Object value) {
        return NONE.merge(value);
    }

    /**
     * This policy with a patch merged in, role by role: a role in the patch replaces that role's modules wholesale
     * (so a module can be taken away), and a role set to {@code null} or {@code {}} is removed.
     */
    public Permissions merge(Object patch) {
        String field = "policy.permissions";
        if (!(patch instanceof Map<?, ?> roles)) {
            throw ProblemException.validation(field, field + " must be an object of roles");
        }
        Map<String, Map<String, List<String>>> next = new TreeMap<>(grants);
        for (var role : roles.entrySet()) {
            String roleName = String.valueOf(role.getKey());
            String roleField = field + "." + roleName;
            if (!NAME.matcher(roleName).matches()) {
                throw ProblemException.validation(roleField, "A role in policy.permissions must be a role name ("
                        + NAME.pattern() + ")");
            }
            if (role.getValue() == null) {
                next.remove(roleName);
                continue;
            }
            if (!(role.getValue() instanceof Map<?, ?> modules)) {
                throw ProblemException.validation(roleField, roleField + " must be an object of modules");
            }
            if (modules.size() > MAX_MODULES) {
                throw ProblemException.validation(roleField, roleField + " may name at most " + MAX_MODULES + " modules");
            }
            Map<String, List<String>> parsed = new TreeMap<>();
            for (var module : modules.entrySet()) {
                String moduleName = String.valueOf(module.getKey());
                String moduleField = roleField + "." + moduleName;
                if (!NAME.matcher(moduleName).matches()) {
                    throw ProblemException.validation(moduleField, "A module in " + roleField + " must be a name ("
                            + NAME.pattern() + ")");
                }
                parsed.put(moduleName, actions(moduleField, module.getValue()));
            }
            if (parsed.isEmpty()) {
                next.remove(roleName);
            } else {
                next.put(roleName, Collections.unmodifiableMap(parsed));
            }
        }
        if (next.size() > MAX_ROLES) {
            throw ProblemException.validation(field, field + " may name at most " + MAX_ROLES + " roles");
        }
        return next.isEmpty() ? NONE : new Permissions(Collections.unmodifiableMap(next));
    }

    private static List<String> actions(String field, Object value) {
        if (!(value instanceof List<?> list)) {
            throw ProblemException.validation(field, field + " must be an array of actions");
        }
        if (list.size() > MAX_ACTIONS) {
            throw ProblemException.validation(field, field + " may name at most " + MAX_ACTIONS + " actions");
        }
        TreeSet<String> actions = new TreeSet<>();
        for (Object a : list) {
            if (!(a instanceof String s) || !(s.equals(ANY) || NAME.matcher(s).matches())) {
                throw ProblemException.validation(field, field + " must contain only action names (" + NAME.pattern()
                        + ") or \"*\"");
            }
            actions.add(s);
        }
        return actions.contains(ANY) ? List.of(ANY) : List.copyOf(actions);
    }

    /** Whether a name could be a module or an action that some policy grants (what validate's {@code require} takes). */
    public static boolean isName(String s) {
        return s != null && NAME.matcher(s).matches();
    }

    /** module → actions, the union over {@code roles} ({@code ["*"]} where any role has every action); sorted. */
    public Map<String, List<String>> of(List<String> roles) {
        if (grants.isEmpty() || roles.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> cached = unions.get(roles);
        if (cached != null) {
            return cached;
        }
        Map<String, TreeSet<String>> union = new TreeMap<>();
        for (String role : roles) {
            grants.getOrDefault(role, Map.of()).forEach((module, actions) ->
                    union.computeIfAbsent(module, m -> new TreeSet<>()).addAll(actions));
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        union.forEach((module, actions) -> out.put(module, actions.contains(ANY) ? List.of(ANY) : List.copyOf(actions)));
        Map<String, List<String>> result = Collections.unmodifiableMap(out);
        if (unions.size() < MAX_CACHED) {
            unions.put(List.copyOf(roles), result);
        }
        return result;
    }

    /** The JSON form: role → module → actions. */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        grants.forEach((role, modules) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            modules.forEach((module, actions) -> m.put(module, new ArrayList<>(actions)));
            out.put(role, m);
        });
        return out;
    }

    public boolean isEmpty() { return grants.isEmpty(); }

    @Override
    public boolean equals(Object o) { return o instanceof Permissions p && p.grants.equals(grants); }

    @Override
    public int hashCode() { return grants.hashCode(); }

    @Override
    public String toString() { return "Permissions" + grants; }
}
