package dev.connstate.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds the effective configuration from three layers, each overriding the one before:
 * the defaults shipped in the jar ({@code config/connstate.json}), an optional file, and the
 * {@code CONNSTATE_*} environment variables (DESIGN §6).
 *
 * <p>Guarantees: every key of the defaults has exactly one environment variable,
 * {@code CONNSTATE_} followed by the key's path in upper snake case
 * ({@code redis.maxPoolSize} → {@code CONNSTATE_REDIS_MAX_POOL_SIZE}); a key in a file that the
 * defaults do not have is an error (a typo never silently falls back to a default); a value of
 * the wrong type is an error naming the key and the variable.
 */
public final class ConfigLoader {
  /** Classpath location of the defaults; the same file as {@code config/connstate.json}. */
  public static final String DEFAULTS_RESOURCE = "/config/connstate.json";
  /** The file used when none is named and it exists in the working directory. */
  public static final Path DEFAULT_FILE = Path.of("config", "connstate.json");
  static final String ENV_PREFIX = "CONNSTATE_";

  private final List<String> warnings = new ArrayList<>();

  /** Warnings collected while loading (unknown variables), for the caller to log. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * Loads the configuration.
   *
   * @param file a file to read, or null to read {@link #DEFAULT_FILE} if it exists
   * @param env the environment (normally {@code System.getenv()})
   * @param overrides values applied last, in the same shape as the file (tests use it)
   */
  public SidecarConfig load(Path file, Map<String, String> env, JsonObject overrides) {
    JsonObject config = defaults();
    Path chosen = file != null ? file : (Files.isRegularFile(DEFAULT_FILE) ? DEFAULT_FILE : null);
    if (file != null && !Files.isRegularFile(file)) {
      throw new ConfigException("configuration file " + file + " does not exist");
    }
    if (chosen != null) {
      merge(config, readFile(chosen), "", chosen.toString());
    }
    applyEnvironment(config, env);
    if (overrides != null) {
      merge(config, overrides, "", "overrides");
    }
    return SidecarConfig.from(config);
  }

  /** The shipped defaults, as a fresh mutable object. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + DEFAULTS_RESOURCE);
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The environment variable that overrides a key path such as {@code redis.maxPoolSize}. */
  public static String envName(String path) {
    StringBuilder name = new StringBuilder(ENV_PREFIX);
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '.') {
        name.append('_');
      } else if (Character.isUpperCase(c)) {
        name.append('_').append(c);
      } else {
        name.append(Character.toUpperCase(c));
      }
    }
    return name.toString();
  }

  private static JsonObject readFile(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException("configuration file " + file + " is not a JSON object: " + e.getMessage());
    }
  }

  private static void merge(JsonObject target, JsonObject source, String prefix, String origin) {
    for (Map.Entry<String, Object> e : source) {
      String path = prefix + e.getKey();
      if (!target.containsKey(e.getKey())) {
        throw new ConfigException("unknown configuration key '" + path + "' in " + origin
            + " (known keys: " + String.join(", ", leafPaths(defaults())) + ")");
      }
      Object current = target.getValue(e.getKey());
      if (current instanceof JsonObject nested) {
        if (!(e.getValue() instanceof JsonObject given)) {
          throw new ConfigException("configuration key '" + path + "' in " + origin + " must be an object");
        }
        merge(nested, given, path + ".", origin);
      } else {
        target.put(e.getKey(), e.getValue());
      }
    }
  }

  private void applyEnvironment(JsonObject config, Map<String, String> env) {
    Set<String> known = new TreeSet<>();
    for (String path : leafPaths(config)) {
      String name = envName(path);
      known.add(name);
      String raw = env.get(name);
      if (raw != null) {
        setPath(config, path, coerce(path, name, raw, getPath(defaults(), path)));
      }
    }
    for (String name : env.keySet()) {
      if (name.startsWith(ENV_PREFIX) && !known.contains(name)) {
        warnings.add("ignoring unknown environment variable " + name + " (known: " + String.join(", ", known) + ")");
      }
    }
  }

  private static Object coerce(String path, String name, String raw, Object template) {
    String value = raw.trim();
    try {
      if (template instanceof Number) {
        return Long.parseLong(value);
      }
      if (template instanceof Boolean) {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new NumberFormatException();
        }
        return Boolean.parseBoolean(value.toLowerCase(Locale.ROOT));
      }
    } catch (NumberFormatException e) {
      String expected = template instanceof Number ? "an integer" : "true or false";
      throw new ConfigException(name + " (" + path + "): expected " + expected + ", got '" + raw + "'");
    }
    if (template instanceof JsonArray) {
      JsonArray items = new JsonArray();
      for (String item : value.split(",")) {
        if (!item.isBlank()) {
          items.add(item.trim());
        }
      }
      return items;
    }
    return value.isEmpty() ? null : value;
  }

  /** Every key path of a configuration object ({@code redis.maxPoolSize}), its leaves in order. */
  public static List<String> leafPaths(JsonObject object) {
    List<String> paths = new ArrayList<>();
    collect(object, "", paths);
    return paths;
  }

  private static void collect(JsonObject object, String prefix, List<String> paths) {
    for (Map.Entry<String, Object> e : object) {
      if (e.getValue() instanceof JsonObject nested) {
        collect(nested, prefix + e.getKey() + ".", paths);
      } else {
        paths.add(prefix + e.getKey());
      }
    }
  }

  private static Object getPath(JsonObject object, String path) {
    String[] parts = path.split("\\.");
    JsonObject at = object;
    for (int i = 0; i < parts.length - 1; i++) {
      at = at.getJsonObject(parts[i]);
    }
    return at.getValue(parts[parts.length - 1]);
  }

  private static void setPath(JsonObject object, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject at = object;
    for (int i = 0; i < parts.length - 1; i++) {
      at = at.getJsonObject(parts[i]);
    }
    at.put(parts[parts.length - 1], value);
  }
}
