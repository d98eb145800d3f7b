package dev.ward.report;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which value each policy setting had during a period, from today's policy and the trail's
 * {@code admin.tenant_policy_updated} events since the period began: each names the settings it changed with their
 * values before and after ({@code settings}), so walking back from today through the changes gives the value at the end
 * of the period, and every value held during it. A change recorded without values (made before Ward recorded them, or
 * of a setting whose values the trail leaves out) makes the values before it unknown.
 */
final class PolicyTimeline {
    /** One policy change as the trail recorded it; {@code settings} maps a path to its {@code from} and {@code to} values. */
    record Change(long version, Instant at, String actor, List<String> changed, Map<String, Map<String, Object>> settings) {
        boolean touches(String path) {
            return changed.contains(path);
        }

        /** This change as a report shows it, cut down to {@code paths} (all when null). */
        Map<String, Object> view(Collection<String> paths) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("version", version);
            out.put("at", at.toString());
            out.put("actor", actor);
            List<String> shown = paths == null ? changed : changed.stream().filter(paths::contains).toList();
            out.put("changed", shown);
            Map<String, Object> values = new LinkedHashMap<>();
            for (String p : shown) {
                Map<String, Object> v = settings.get(p);
                values.put(p, v == null ? "not recorded" : v);
            }
            out.put("settings", values);
            return out;
        }
    }

    /** The values a setting held during the period: those known, and whether some value held is unknown. */
    record Held(List<Object> known, boolean someUnknown) {}

    private final Policy current;
    private final Instant from;
    private final Instant to;
    /** Every change at or after {@code from}, oldest first. */
    private final List<Change> changes;
    /** Whether the trail may hold more changes after the period than were read (the read was cut at its limit). */
    private final boolean incomplete;

    PolicyTimeline(Policy current, Instant from, Instant to, List<AuditEvent> changeEvents, boolean incomplete) {
        this.current = current;
        this.from = from;
        this.to = to;
        this.changes = changeEvents.stream().map(PolicyTimeline::change).toList();
        this.incomplete = incomplete;
    }

    private static Change change(AuditEvent e) {
        Map<String, Object> d = e.details();
        long version = d.get("policy_version") instanceof Number n ? n.longValue() : 0;
        List<String> changed = d.get("changed") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        Map<String, Map<String, Object>> settings = new LinkedHashMap<>();
        if (d.get("settings") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v instanceof Map<?, ?> fromTo && fromTo.containsKey("from") && fromTo.containsKey("to")) {
                    Map<String, Object> values = new LinkedHashMap<>();
                    values.put("from", normal(fromTo.get("from")));
                    values.put("to", normal(fromTo.get("to")));
                    settings.put(String.valueOf(k), values);
                }
            });
        }
        return new Change(version, e.at(), e.actor(), changed, settings);
    }

    /** A value read back from the trail as the policy holds it: whole numbers as longs (JSON does not say which). */
    private static Object normal(Object v) {
        return v instanceof Number n ? (Object) n.longValue() : v;
    }

    /** The changes made during the period, oldest first. */
    List<Change> inPeriod() {
        return changes.stream().filter(c -> !c.at().isBefore(from) && c.at().isBefore(to)).toList();
    }

    /** The changes made during the period to any of {@code paths}, oldest first. */
    List<Change> inPeriod(Collection<String> paths) {
        return inPeriod().stream().filter(c -> paths.stream().anyMatch(c::touches)).toList();
    }

    /** The setting's value at the end of the period; empty when the trail does not say. */
    Optional<Object> atEnd(String path) {
        if (incomplete) {
            return Optional.empty();
        }
        Optional<Object> value = current.setting(path);
        for (Change c : changes.reversed()) {
            if (c.at().isBefore(to)) {
                break;
            }
            if (c.touches(path)) {
                value = before(c, path);
            }
        }
        return value;
    }

    /** Every value the setting held at some time during the period. */
    Held during(String path) {
        List<Object> known = new ArrayList<>();
        boolean unknown = false;
        Optional<Object> value = atEnd(path);
        List<Change> within = inPeriod();
        for (int i = within.size(); ; i--) {
            if (value.isPresent()) {
                if (!known.contains(value.get())) {
                    known.add(value.get());
                }
            } else {
                unknown = true;
            }
            if (i == 0) {
                break;
            }
            Change c = within.get(i - 1);
            if (c.touches(path)) {
                value = before(c, path);
            }
        }
        return new Held(known, unknown);
    }

    private static Optional<Object> before(Change c, String path) {
        Map<String, Object> v = c.settings().get(path);
        return v == null ? Optional.empty() : Optional.ofNullable(v.get("from"));
    }
}
