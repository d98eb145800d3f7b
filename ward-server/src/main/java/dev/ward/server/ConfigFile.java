package dev.ward.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
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
    /** A password parameter of a URL: {@code password=}, {@code sslpassword=} (PostgreSQL's client key), any {@code …password=}. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)[?&;][a-z_]*password=");
    /** A setting's name: what {@link Config#VARIABLES} spell, so no letter that only upper-cases to ASCII (ſ, ı) passes. */
    private static final Pattern KEY = Pattern.compile("[a-z0-9_]+");
    /** A settings file is a few kilobytes; a larger one (or a device that never ends) is not read into memory. */
    static final int MAX_BYTES = 1024 * 1024;

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
        // An empty variable is unset everywhere in Ward, so it must not erase what the file says either (an empty
        // WARD_DATABASE_URL in a unit file would otherwise turn the file's production database into embedded mode).
        env.forEach((name, value) -> {
            if (!value.isBlank() || !merged.containsKey(name)) {
                merged.put(name, value);
            }
        });
        merged.put(VARIABLE, file.get().toString());
        return Collections.unmodifiableMap(merged);
    }

    /** The file's settings as {@code WARD_*} variables; a bad file is a {@link Config.ConfigException} naming what. */
    static Map<String, String> load(Path file) {
        String text = read(file);
        JsonNode root;
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (JsonParser scan = yaml.getFactory().createParser(text)) {
            // Jackson does not expand an alias: it reads *name as the text "name", so a setting would quietly take the
            // anchor's name for its value. (Nor can an alias bomb grow anything, then.)
            while (scan.nextToken() != null) {
                if (scan instanceof YAMLParser y && y.isCurrentAlias()) {
                    throw new Config.ConfigException(file + ": anchors and aliases (*name) are not read; write each value out"
                            + " (line " + scan.currentLocation().getLineNr() + ")");
                }
            }
        } catch (JsonProcessingException e) {
            throw notYaml(file, e);
        } catch (IOException e) {
            throw new Config.ConfigException("cannot read the configuration file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        try (JsonParser parser = yaml.getFactory().createParser(text)) {
            // A key said twice: a reader sees the first, Ward would use the last.
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = yaml.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                throw new Config.ConfigException(file + " must hold one YAML document (a second, after ---, would be ignored)");
            }
        } catch (JsonProcessingException e) {
            throw notYaml(file, e);
        } catch (IOException e) {
            throw new Config.ConfigException("cannot read the configuration file " + file + " (" + e.getClass().getSimpleName() + ")");
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
            if (!KEY.matcher(key).matches() || !known.contains(name) || LAUNCHER.contains(name)) {
                throw new Config.ConfigException(file + ": unknown setting '" + key + "'" + suggestion(key, known)
                        + " (the settings are those of ward serve --help, lower case, without WARD_)");
            }
            if (SECRETS.contains(name)) {
                throw new Config.ConfigException(file + ": '" + key + "' is a secret and is never read from a file; set "
                        + name + " in the environment (from your secret manager)");
            }
            String value = value(file, key, field.getValue());
            if ((name.endsWith("_URL") || name.equals("WARD_AUDIT_SYSLOG")) && carriesPassword(name, value)) {
                throw new Config.ConfigException(file + ": '" + key + "' carries a password; set " + name
                        + " in the environment instead (a file is copied and committed more readily than the environment)");
            }
            if ((name.equals("WARD_AUDIT_SYSLOG_KEY") && value.contains("-----BEGIN"))
                    || (value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----"))) {
                // Also a certificate chain with its key appended, as PEM bundles often are.
                throw new Config.ConfigException(file + ": '" + key + "' holds a private key; give the path of its file"
                        + " (readable by Ward alone), or set " + name + " in the environment");
            }
            out.put(name, value);
        }
        return out;
    }

    /** The parser's refusal: where (when it knows), and never its message, which may quote the file (a secret). */
    private static Config.ConfigException notYaml(Path file, JsonProcessingException e) {
        String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
        String twice = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                ? ": a setting is given twice" : "";
        return new Config.ConfigException(file + " is not valid YAML" + line + twice);
    }

    /**
     * The file's text, at most {@link #MAX_BYTES}; refused when other accounts may write it (they could name their own
     * database, proxies or syslog receiver to every process that reads it).
     */
    private static String read(Path file) {
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")
                    && Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new Config.ConfigException(file + ": other accounts can write this file; chmod o-w " + file);
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw new Config.ConfigException(file + " is larger than " + MAX_BYTES / 1024 + " KiB; a settings file is a few lines");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new Config.ConfigException("cannot read the configuration file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Whether a URL setting carries a password: a {@code …password=} parameter, or user information with one — in Redis
     * URLs any user information, since Redis takes {@code redis://secret@host} as the password, and its cluster form
     * is split at the last {@code @} (so the password may hold {@code /}, {@code ?} or {@code #}).
     */
    static boolean carriesPassword(String name, String value) {
        if (PASSWORD_PARAMETER.matcher(value).find()) {
            return true;
        }
        int scheme = value.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String rest = value.substring(scheme + 3);
        if (name.equals("WARD_REDIS_URL")) {
            return rest.indexOf('@') >= 0;
        }
        int end = rest.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = rest.indexOf(c);
            end = i >= 0 ? Math.min(end, i) : end;
        }
        String authority = rest.substring(0, end);
        int at = authority.lastIndexOf('@');
        return at >= 0 && authority.substring(0, at).indexOf(':') >= 0;
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
