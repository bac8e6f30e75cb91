package dev.connstate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.connstate.config.ClientSpec;
import dev.connstate.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What the deployment tests share: the shipped YAML, read strictly (a duplicate key is an error,
 * as it is for kubectl and Compose), the configuration keys the sidecar knows, and the Compose
 * file's sidecars and bridge clients.
 */
final class DeployFiles {
  static final Path KUBERNETES = Path.of("deploy", "kubernetes");
  static final Path COMPOSE = Path.of("docker-compose.yml");
  static final Path DEPLOY_README = Path.of("deploy", "README.md");
  static final Path KUBERNETES_README = KUBERNETES.resolve("README.md");
  static final Path DEFAULTS = Path.of("config", "connstate.json");

  private DeployFiles() {
  }

  /** Every document of a YAML file; each must be a mapping. */
  static List<Map<String, Object>> documents(Path file) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    List<Map<String, Object>> documents = new ArrayList<>();
    int index = 0;
    for (Object document : yaml.loadAll(read(file))) {
      if (document != null) {
        documents.add(map(document, file + " document " + index));
      }
      index++;
    }
    return documents;
  }

  /** The one document of a YAML file. */
  static Map<String, Object> document(Path file) {
    List<Map<String, Object>> documents = documents(file);
    assertThat(documents).as("documents in %s", file).hasSize(1);
    return documents.get(0);
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The YAML files under a directory, sorted. */
  static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value, String what) {
    if (!(value instanceof Map<?, ?> m)) {
      return fail("%s: expected a mapping, got %s", what, value);
    }
    for (Object key : m.keySet()) {
      if (!(key instanceof String)) {
        fail("%s: key %s is not a string", what, key);
      }
    }
    return (Map<String, Object>) m;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value, String what) {
    if (!(value instanceof List<?> l)) {
      return fail("%s: expected a list, got %s", what, value);
    }
    return (List<Object>) l;
  }

  static String string(Object value, String what) {
    if (!(value instanceof String s)) {
      return fail("%s: expected a string, got %s", what, value);
    }
    return s;
  }

  /** The value at a dotted path of mappings; fails naming the path if a step is missing. */
  static Object at(Map<String, Object> root, String path) {
    Object at = root;
    StringBuilder walked = new StringBuilder();
    for (String step : path.split("\\.")) {
      Map<String, Object> m = map(at, walked.isEmpty() ? "document" : walked.toString());
      walked.append(walked.isEmpty() ? "" : ".").append(step);
      if (!m.containsKey(step)) {
        return fail("missing %s", walked);
      }
      at = m.get(step);
    }
    return at;
  }

  // ---- the sidecar's configuration keys

  /** The shipped defaults, {@code config/connstate.json}: the keys a configuration may name. */
  static JsonObject defaults() {
    return new JsonObject(read(DEFAULTS));
  }

  /** Every key path of the defaults, such as {@code redis.url}. */
  static Set<String> keyPaths() {
    return keyPaths(defaults());
  }

  /** Every key path of a JSON object (its leaves). */
  static Set<String> keyPaths(JsonObject object) {
    return new TreeSet<>(ConfigLoader.leafPaths(object));
  }

  /** The environment variable of every key, by the loader's own mapping. */
  static Set<String> configVariables() {
    Set<String> names = new TreeSet<>();
    for (String path : keyPaths()) {
      names.add(ConfigLoader.envName(path));
    }
    return names;
  }

  static String sha256Hex(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- docker-compose.yml

  static Map<String, Object> compose() {
    return document(COMPOSE);
  }

  static Map<String, Object> services() {
    return map(compose().get("services"), "services");
  }

  static Map<String, Object> service(String name) {
    return map(services().get(name), "services." + name);
  }

  /** A service's environment, in either of Compose's forms (a mapping, or a list of NAME=value). */
  static Map<String, String> environment(String service) {
    Object env = service(service).get("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (env == null) {
      return out;
    }
    if (env instanceof List<?> entries) {
      for (Object entry : entries) {
        String text = string(entry, service + ".environment entry");
        int eq = text.indexOf('=');
        out.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? null : text.substring(eq + 1));
      }
      return out;
    }
    map(env, service + ".environment").forEach((name, value) -> {
      if (value != null && !(value instanceof String)) {
        fail("%s.environment.%s: quote it, Compose wants a string (got %s)", service, name, value);
      }
      out.put(name, (String) value);
    });
    return out;
  }

  /** The Compose services that run the sidecar: those of the image the Dockerfile builds. */
  static List<String> sidecars() {
    return services().keySet().stream()
        .filter(name -> "connstate:latest".equals(service(name).get("image")) || service(name).containsKey("build"))
        .toList();
  }

  /** The bridge clients a Compose sidecar admits, parsed as the sidecar parses them. */
  static List<ClientSpec> bridgeClients(String sidecar) {
    String lines = environment(sidecar).get("CONNSTATE_BRIDGE_CLIENTS");
    List<ClientSpec> clients = new ArrayList<>();
    if (lines != null) {
      for (String line : lines.split(",")) {
        if (!line.isBlank()) {
          clients.add(ClientSpec.parse(line));
        }
      }
    }
    return clients;
  }

  /** The configured client whose token digest is the SHA-256 of {@code token}, or null. */
  static ClientSpec clientOf(String sidecar, String token) {
    String digest = sha256Hex(token);
    for (ClientSpec client : bridgeClients(sidecar)) {
      if (java.util.HexFormat.of().formatHex(client.tokenSha256()).equalsIgnoreCase(digest)) {
        return client;
      }
    }
    return null;
  }

  /** The value after {@code option} in a command line, or null. */
  static String option(List<String> words, String option) {
    int i = words.indexOf(option);
    return i >= 0 && i + 1 < words.size() ? words.get(i + 1) : null;
  }

  /** A Compose duration such as {@code 20s}, {@code 1m30s} or {@code 500ms}, in milliseconds. */
  static long durationMs(String text) {
    Matcher m = Pattern.compile("(\\d+)(ms|us|h|m|s)").matcher(text);
    long total = 0;
    int end = 0;
    while (m.find()) {
      assertThat(m.start()).as("duration %s", text).isEqualTo(end);
      long n = Long.parseLong(m.group(1));
      total += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1_000;
        case "ms" -> n;
        default -> n / 1_000;
      };
      end = m.end();
    }
    assertThat(end).as("duration %s", text).isEqualTo(text.length()).isPositive();
    return total;
  }
}
