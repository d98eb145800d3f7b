package dev.ward.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code ward.yml} (issue 16 item 5): the settings of {@link Config#VARIABLES} in a file, named by {@code --config} or
 * {@code WARD_CONFIG}, each key the variable's name without {@code WARD_} in lower case ({@code database_url},
 * {@code trusted_proxies: [10.0.0.0/8]}). The environment wins over the file, so one file serves every node and an
 * operator overrides one setting for one process. Secrets never come from it: the master key, the bootstrap password,
 * the metrics token, and passwords inside URLs are refused with a message saying where they go instead (the
 * environment, which a secret manager fills), because a file is copied, committed and backed up far more readily.
 */
public final class ConfigFile {
    /** What names the file, in the environment (a {@code --config} option wins). */
    public static final String VARIABLE = "WARD_CONFIG";
    /** Settings that are secrets: environment only. */
    static final Set<String> SECRETS = Set.of("WARD_MASTER_KEY", "WARD_BOOTSTRAP_ADMIN_PASSWORD", "WARD_METRICS_TOKEN");
    /** Settings that only the {@code ./ward} launcher reads, before Java starts: environment only. */
    static final Set<String> LAUNCHER = Set.of("WARD_JAVA_OPTS", "WARD_CONFIG");
    /** A password in a URL: {@code user:password@host}, or a {@code password=} parameter. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(://[^/@?#]*:[^/@?#]*@)|([?&;]password=)");

    private ConfigFile() {}

    /** This process's environment with its configuration file, once {@code ward}'s main has read it. */
    private static volatile Map<String, String> current;

    /** The environment the commands read: the process's, under a configuration file's settings if one was named. */
    public static Map<String, String> current() {
        Map<String, String> c = current;
        return c == null ? System.getenv() : c;
    }

    /** Set once by {@code ward}'s main, before any command reads its settings. */
    public static void use(Map<String, String> environment) {
        current = environment;
    }

    /** {@code --config FILE} or {@code --config=FILE} anywhere in a command line (picocli accepts it on every command). */
    public static Optional<Path> option(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Optional.of(Path.of(args[i + 1]));
            }
            if (args[i].startsWith("--config=")) {
                return Optional.of(Path.of(args[i].substring("--config=".length())));
            }
        }
        return Optional.empty();
    }

    /** The environment Ward runs with: the file's settings (if one is named) under the process's environment. */
    public static Map<String, String> environment(Optional<Path> option, Map<String, String> env) {
        Optional<Path> file = option.or(() -> Optional.ofNullable(env.get(VARIABLE)).filter(v -> !v.isBlank()).map(Path::of));
        if (file.isEmpty()) {
            return env;
        }
        Map<String, String> merged = new LinkedHashMap<>(load(file.get()));
        merged.putAll(env);
        merged.put(VARIABLE, file.get().toString());
        return Collections.unmodifiableMap(merged);
    }

    /** The file's settings as {@code WARD_*} variables; a bad file is a {@link Config.ConfigException} naming what. */
    static Map<String, String> load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new Config.ConfigException("cannot read the configuration file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (JsonProcessingException e) {
            throw new Config.ConfigException(file + " is not valid YAML (line " + e.getLocation().getLineNr() + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of(); // an empty file: every setting at its default
        }
        if (!root.isObject()) {
            throw new Config.ConfigException(file + " must be a mapping of settings, such as database_url: jdbc:postgresql://...");
        }
        Set<String> known = new TreeSet<>();
        for (Config.Variable v : Config.VARIABLES) {
            known.add(v.name());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) root::fields) {
            String key = field.getKey();
            String name = "WARD_" + key.toUpperCase();
            if (!key.equals(key.toLowerCase()) || !known.contains(name) || LAUNCHER.contains(name)) {
                throw new Config.ConfigException(file + ": unknown setting '" + key + "'" + suggestion(key, known)
                        + " (the settings are those of ward serve --help, lower case, without WARD_)");
            }
            if (SECRETS.contains(name)) {
                throw new Config.ConfigException(file + ": '" + key + "' is a secret and is never read from a file; set "
                        + name + " in the environment (from your secret manager)");
            }
            String value = value(file, key, field.getValue());
            if ((name.endsWith("_URL") || name.equals("WARD_AUDIT_SYSLOG")) && URL_PASSWORD.matcher(value).find()) {
                throw new Config.ConfigException(file + ": '" + key + "' carries a password; set " + name
                        + " in the environment instead (a file is copied and committed more readily than the environment)");
            }
            if (name.equals("WARD_AUDIT_SYSLOG_KEY") && value.contains("-----BEGIN")) {
                throw new Config.ConfigException(file + ": 'audit_syslog_key' holds a private key; give the path of its file"
                        + " (readable by Ward alone), or set WARD_AUDIT_SYSLOG_KEY in the environment");
            }
            out.put(name, value);
        }
        return out;
    }

    /** A scalar as text; a list of scalars joined with commas (as the variables take lists). */
    private static String value(Path file, String key, JsonNode v) {
        if (v.isValueNode() && !v.isNull()) {
            return v.asText();
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isValueNode() || item.isNull() || item.asText().contains(",")) {
                    throw new Config.ConfigException(file + ": '" + key + "' must be a list of plain values");
                }
                items.add(item.asText());
            }
            return String.join(",", items);
        }
        throw new Config.ConfigException(file + ": '" + key + "' must be a value or a list of values");
    }

    private static String suggestion(String key, Set<String> known) {
        String wanted = key.toLowerCase().replace('-', '_');
        for (String name : known) {
            String k = name.substring("WARD_".length()).toLowerCase();
            if (k.equals(wanted) || k.contains(wanted) || wanted.contains(k)) {
                return "; did you mean '" + k + "'?";
            }
        }
        return "";
    }
}
