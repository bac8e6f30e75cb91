package dev.connstate.deploy;

import static dev.connstate.deploy.DeployFiles.KUBERNETES;
import static dev.connstate.deploy.DeployFiles.at;
import static dev.connstate.deploy.DeployFiles.list;
import static dev.connstate.deploy.DeployFiles.map;
import static dev.connstate.deploy.DeployFiles.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No cluster runs here, so the Kubernetes example is held to what a cluster and the sidecar would
 * do with it by reading it: every document is an object the API server knows, with fields it
 * takes; the pods' sidecars are probed where the sidecar answers; and the configuration they
 * would start with — the ConfigMap's file, then the container's environment, resolved from the
 * downward API and the Secret — goes through the sidecar's own loader and validation.
 */
@DisplayName("The Kubernetes example (deploy/kubernetes) is one a cluster takes and the sidecar starts with")
class KubernetesManifestsTest {
  private static final String SIDECAR_IMAGE = "connstate:latest";
  /** How long {@code serve} may take to close after the drain (ServeCommand: shutdownDrainMs + 10 s). */
  private static final long CLOSE_SECONDS = 10;

  /** One document of one file. */
  record Doc(Path file, Map<String, Object> body) {
    String kind() {
      return String.valueOf(body.get("kind"));
    }

    String name() {
      return String.valueOf(map(body.get("metadata"), file + " metadata").get("name"));
    }

    @Override
    public String toString() {
      return file.getFileName() + " (" + kind() + " " + name() + ")";
    }
  }

  static List<Doc> docs() {
    List<Doc> docs = new ArrayList<>();
    for (Path file : DeployFiles.yamlFiles(KUBERNETES)) {
      for (Map<String, Object> body : DeployFiles.documents(file)) {
        docs.add(new Doc(file, body));
      }
    }
    return docs;
  }

  static List<Doc> deployments() {
    return docs().stream().filter(d -> d.kind().equals("Deployment")).toList();
  }

  private static Doc find(String kind, String name) {
    return docs().stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
        .orElseGet(() -> fail("no %s named %s in %s", kind, name, KUBERNETES));
  }

  private static Map<String, Object> podSpec(Doc deployment) {
    return map(at(deployment.body(), "spec.template.spec"), deployment + " pod spec");
  }

  private static List<Map<String, Object>> containers(Doc deployment) {
    return list(podSpec(deployment).get("containers"), "containers").stream()
        .map(c -> map(c, deployment + " container")).toList();
  }

  private static Map<String, Object> sidecar(Doc deployment) {
    List<Map<String, Object>> sidecars = containers(deployment).stream()
        .filter(c -> SIDECAR_IMAGE.equals(c.get("image"))).toList();
    assertThat(sidecars).as("containers of %s running %s", deployment, SIDECAR_IMAGE).hasSize(1);
    return sidecars.get(0);
  }

  private static Map<String, Object> server(Doc deployment) {
    List<Map<String, Object>> others = containers(deployment).stream()
        .filter(c -> !SIDECAR_IMAGE.equals(c.get("image"))).toList();
    assertThat(others).as("containers of %s besides the sidecar", deployment).hasSize(1);
    return others.get(0);
  }

  private static List<String> words(Map<String, Object> container, String field) {
    Object value = container.get(field);
    return value == null ? List.of() : list(value, field).stream().map(w -> string(w, field)).toList();
  }

  private static Map<String, Object> probe(Map<String, Object> container, String which) {
    return map(at(container, which + ".httpGet"), which + ".httpGet");
  }

  private static String configPath(Map<String, Object> sidecar) {
    List<String> args = words(sidecar, "args");
    assertThat(sidecar).as("the sidecar keeps the image's ENTRYPOINT (java … -jar): it sets args only")
        .doesNotContainKey("command");
    assertThat(args).as("sidecar args").startsWith("serve").contains("--config");
    return DeployFiles.option(args, "--config");
  }

  /** The text the pod sees at {@code path}: the ConfigMap key mounted there. */
  private static String mountedFile(Doc deployment, String path) {
    Map<String, Object> sidecar = sidecar(deployment);
    for (Object m : list(sidecar.get("volumeMounts"), "volumeMounts")) {
      Map<String, Object> mount = map(m, "volumeMount");
      String mountPath = string(mount.get("mountPath"), "mountPath");
      String inside;
      if (mount.containsKey("subPath")) {
        if (!mountPath.equals(path)) {
          continue;
        }
        inside = string(mount.get("subPath"), "subPath");
      } else if (path.startsWith(mountPath.endsWith("/") ? mountPath : mountPath + "/")) {
        inside = path.substring(mountPath.length()).replaceFirst("^/", "");
      } else {
        continue;
      }
      Map<String, Object> volume = list(podSpec(deployment).get("volumes"), "volumes").stream()
          .map(v -> map(v, "volume")).filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
          .orElseGet(() -> fail("no volume %s for the mount at %s", mount.get("name"), mountPath));
      Map<String, Object> source = map(volume.get("configMap"), "volume " + volume.get("name") + " configMap");
      String key = inside;
      if (source.containsKey("items")) {
        key = list(source.get("items"), "items").stream().map(i -> map(i, "item"))
            .filter(i -> inside.equals(i.get("path"))).map(i -> string(i.get("key"), "key")).findFirst()
            .orElseGet(() -> fail("ConfigMap volume %s maps nothing to %s", volume.get("name"), inside));
      }
      Doc configMap = find("ConfigMap", string(source.get("name"), "configMap.name"));
      Map<String, Object> data = map(configMap.body().get("data"), configMap + " data");
      assertThat(data).as("%s data", configMap).containsKey(key);
      return string(data.get(key), configMap + " " + key);
    }
    return fail("no volume of %s is mounted at %s", deployment, path);
  }

  /** A name the pod could have: the Deployment's, a ReplicaSet hash and a random suffix. */
  private static String podName(Doc deployment) {
    return deployment.name() + "-5d7c9b8f6d-x4k2q";
  }

  /** The sidecar's environment as the kubelet would set it, from the downward API and the Secret. */
  private static Map<String, String> environment(Doc deployment) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object e : list(sidecar(deployment).get("env"), "env")) {
      Map<String, Object> var = map(e, "env entry");
      String name = string(var.get("name"), "env name");
      if (var.containsKey("value")) {
        env.put(name, string(var.get("value"), name));
        continue;
      }
      Map<String, Object> from = map(var.get("valueFrom"), name + " valueFrom");
      if (from.containsKey("fieldRef")) {
        assertThat(at(from, "fieldRef.fieldPath")).as(name).isEqualTo("metadata.name");
        env.put(name, podName(deployment));
      } else if (from.containsKey("secretKeyRef")) {
        Map<String, Object> ref = map(from.get("secretKeyRef"), name + " secretKeyRef");
        env.put(name, secretValue(string(ref.get("name"), "secret name"), string(ref.get("key"), "secret key")));
      } else {
        fail("%s: only values, fieldRef and secretKeyRef are resolved here, got %s", name, from.keySet());
      }
    }
    return env;
  }

  private static String secretValue(String secret, String key) {
    Doc doc = find("Secret", secret);
    Object stringData = doc.body().get("stringData");
    if (stringData != null && map(stringData, "stringData").containsKey(key)) {
      return string(map(stringData, "stringData").get(key), secret + " " + key);
    }
    Object data = map(doc.body().get("data"), doc + " data").get(key);
    assertThat(data).as("%s key %s", doc, key).isNotNull();
    return new String(Base64.getDecoder().decode(string(data, key)), StandardCharsets.UTF_8);
  }

  /** The configuration the sidecar of this pod starts with, through the sidecar's own loader. */
  private static SidecarConfig effectiveConfig(Doc deployment, Path dir) throws IOException {
    Path file = dir.resolve(deployment.name() + "-connstate.json");
    Files.writeString(file, mountedFile(deployment, configPath(sidecar(deployment))));
    ConfigLoader loader = new ConfigLoader();
    SidecarConfig config = loader.load(file, environment(deployment), null);
    assertThat(loader.warnings()).as("loader warnings for %s", deployment).isEmpty();
    return config;
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("every YAML file parses (no duplicate key), each document with an apiVersion, a kind and a metadata.name")
  void documentsParse() {
    assertThat(DeployFiles.yamlFiles(KUBERNETES)).isNotEmpty();
    List<Doc> docs = docs();
    assertThat(docs).isNotEmpty().allSatisfy(doc -> {
      assertThat(doc.body()).as("%s", doc.file()).containsKeys("apiVersion", "kind", "metadata");
      assertThat(map(doc.body().get("metadata"), "metadata").get("name")).as("%s metadata.name", doc.file())
          .isInstanceOf(String.class);
    });
    assertThat(docs.stream().map(d -> d.kind() + "/" + d.name()).toList()).as("kind/name").doesNotHaveDuplicates();
    assertThat(docs.stream().map(Doc::kind).toList()).as("kinds").contains("Deployment", "ConfigMap", "Secret");
  }

  @Test
  @DisplayName("every document is a kind the example may ship, with its apiVersion, only fields Kubernetes knows, "
      + "each of the type it takes (a misspelt field or an unquoted annotation would be refused)")
  void fieldsAndTypes() {
    for (Doc doc : docs()) {
      Map.Entry<String, KubeShapes.Obj> kind = KubeShapes.KINDS.get(doc.kind());
      assertThat(kind).as("%s: kind %s (a Service is left out on purpose: README.md)", doc.file(), doc.kind())
          .isNotNull();
      assertThat(doc.body().get("apiVersion")).as("%s apiVersion", doc).isEqualTo(kind.getKey());
      assertThat(KubeShapes.problems(kind.getValue(), doc.body(), doc.toString())).as("%s", doc).isEmpty();
    }
  }

  @Test
  @DisplayName("the structural check does refuse a misspelt field, an unquoted annotation and a quoted number")
  void shapesRefuseMistakes(@TempDir Path dir) throws IOException {
    Doc original = deployments().get(0);
    String text = DeployFiles.read(original.file())
        .replace("readinessProbe:", "readynessProbe:")
        .replaceFirst("prometheus.io/port: \"(\\d+)\"", "prometheus.io/port: $1")
        .replaceFirst("terminationGracePeriodSeconds: (\\d+)", "terminationGracePeriodSeconds: \"$1\"");
    Path changed = dir.resolve("mistakes.yaml");
    Files.writeString(changed, text);
    Map<String, Object> deployment = DeployFiles.document(changed);
    assertThat(KubeShapes.problems(KubeShapes.DEPLOYMENT, original.body(), "d")).isEmpty();
    assertThat(KubeShapes.problems(KubeShapes.DEPLOYMENT, deployment, "d")).hasSize(3)
        .anySatisfy(p -> assertThat(p).contains("readynessProbe: no such field"))
        .anySatisfy(p -> assertThat(p).contains("prometheus.io/port: expected string"))
        .anySatisfy(p -> assertThat(p).contains("terminationGracePeriodSeconds: expected int"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the Deployment's selector matches its pod template's labels")
  void selectorMatchesTemplate(Doc deployment) {
    Map<String, Object> selector = map(at(deployment.body(), "spec.selector.matchLabels"), "matchLabels");
    Map<String, Object> labels = map(at(deployment.body(), "spec.template.metadata.labels"), "template labels");
    assertThat(selector).isNotEmpty();
    assertThat(labels).containsAllEntriesOf(selector);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the pod runs two containers: the server, a placeholder image clearly marked, and the sidecar of this "
      + "repository's image")
  void twoContainers(Doc deployment) {
    assertThat(containers(deployment)).hasSize(2);
    Map<String, Object> sidecar = sidecar(deployment);
    assertThat(sidecar.get("imagePullPolicy")).as("a locally built :latest image is not pulled")
        .isEqualTo("IfNotPresent");
    String serverImage = string(server(deployment).get("image"), "server image");
    assertThat(serverImage).startsWith("example.org/");
    String text = DeployFiles.read(deployment.file());
    assertThat(text).containsPattern("image: " + Pattern.quote(serverImage) + "\\s+# PLACEHOLDER");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the sidecar is probed for readiness on GET /health and for liveness (and start-up) on GET "
      + "/health/live, on the HTTP port it listens on")
  void probes(Doc deployment, @TempDir Path dir) throws IOException {
    Map<String, Object> sidecar = sidecar(deployment);
    int httpPort = effectiveConfig(deployment, dir).http().port();
    assertThat(httpPort).isEqualTo(8080);
    assertThat(probe(sidecar, "readinessProbe")).containsEntry("path", "/health").containsEntry("port", httpPort);
    assertThat(probe(sidecar, "livenessProbe")).containsEntry("path", "/health/live")
        .containsEntry("port", httpPort);
    if (sidecar.containsKey("startupProbe")) {
      assertThat(probe(sidecar, "startupProbe")).containsEntry("path", "/health/live")
          .containsEntry("port", httpPort);
    }
    assertThat(list(sidecar.get("ports"), "ports")).as("declared container ports")
        .anySatisfy(p -> assertThat(map(p, "port")).containsEntry("containerPort", httpPort));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("every CONNSTATE_ variable of the sidecar is a configuration key, by the loader's mapping "
      + "(ConfigLoader.envName); the only other variable is JAVA_TOOL_OPTIONS")
  void environmentNamesRealKeys(Doc deployment) {
    List<String> names = list(sidecar(deployment).get("env"), "env").stream()
        .map(e -> string(map(e, "env").get("name"), "env name")).toList();
    assertThat(names).doesNotHaveDuplicates().isNotEmpty();
    assertThat(names.stream().filter(n -> n.startsWith("CONNSTATE_")).toList())
        .isSubsetOf(DeployFiles.configVariables());
    assertThat(names.stream().filter(n -> !n.startsWith("CONNSTATE_")).toList()).isSubsetOf("JAVA_TOOL_OPTIONS");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the instance id is the pod's name (downward API) and the Redis URL, with a password, comes from a "
      + "Secret")
  void instanceIdAndRedisUrl(Doc deployment, @TempDir Path dir) throws IOException {
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    for (Object e : list(sidecar(deployment).get("env"), "env")) {
      Map<String, Object> var = map(e, "env");
      byName.put(string(var.get("name"), "name"), var);
    }
    assertThat(byName).containsKeys("CONNSTATE_INSTANCE_ID", "CONNSTATE_REDIS_URL");
    assertThat(at(byName.get("CONNSTATE_INSTANCE_ID"), "valueFrom.fieldRef.fieldPath")).isEqualTo("metadata.name");
    assertThat(map(at(byName.get("CONNSTATE_REDIS_URL"), "valueFrom"), "valueFrom")).containsOnlyKeys("secretKeyRef");
    SidecarConfig config = effectiveConfig(deployment, dir);
    assertThat(config.instanceId()).isEqualTo(podName(deployment));
    URI url = URI.create(config.redis().url());
    assertThat(url.getScheme()).isIn("redis", "rediss");
    assertThat(url.getRawUserInfo()).as("the URL's user:password").matches("[^:]*:.+");
    assertThat(DeployFiles.read(find("Secret", "connstate-redis").file())).contains("EXAMPLE ONLY")
        .contains("kubectl create secret generic connstate-redis");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the file --config names is the ConfigMap's connstate.json, mounted there, and it is valid JSON whose "
      + "every key exists in config/connstate.json")
  void mountedConfiguration(Doc deployment, @TempDir Path dir) throws IOException {
    String path = configPath(sidecar(deployment));
    assertThat(path).isEqualTo("/etc/connstate/connstate.json");
    JsonObject file = new JsonObject(mountedFile(deployment, path));
    assertThat(DeployFiles.keyPaths(file)).isNotEmpty().isSubsetOf(DeployFiles.keyPaths());
    Path written = dir.resolve("connstate.json");
    Files.writeString(written, file.encode());
    SidecarConfig alone = new ConfigLoader().load(written, Map.of(), new JsonObject().put("instanceId", "pod-0"));
    assertThat(alone.instanceId()).isEqualTo("pod-0");
    assertThat(file.containsKey("redis") && file.getJsonObject("redis").containsKey("url"))
        .as("the Redis URL holds a password: it comes from the Secret, not the ConfigMap").isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("terminationGracePeriodSeconds outlasts the preStop pause, shutdownDrainMs and the close after it")
  void gracePeriod(Doc deployment, @TempDir Path dir) throws IOException {
    long grace = ((Number) podSpec(deployment).get("terminationGracePeriodSeconds")).longValue();
    long drainMs = effectiveConfig(deployment, dir).shutdownDrainMs();
    long preStop = 0;
    Object lifecycle = sidecar(deployment).get("lifecycle");
    if (lifecycle != null) {
      List<String> command = words(map(at(map(lifecycle, "lifecycle"), "preStop.exec"), "exec"), "command");
      assertThat(command).hasSize(2).first().isEqualTo("sleep");
      preStop = Long.parseLong(command.get(1));
    }
    assertThat(grace).isGreaterThan(drainMs / 1000)
        .isGreaterThanOrEqualTo(preStop + (drainMs + 999) / 1000 + CLOSE_SECONDS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the bridge stays on the pod's loopback, the server is pointed at it, and no port reaches the node")
  void bridgeOnLoopback(Doc deployment, @TempDir Path dir) throws IOException {
    SidecarConfig config = effectiveConfig(deployment, dir);
    assertThat(config.bridge().loopbackOnly()).isTrue();
    assertThat(config.bridge().clients()).isEmpty();
    Map<String, String> serverEnv = new LinkedHashMap<>();
    for (Object e : list(server(deployment).get("env"), "server env")) {
      Map<String, Object> var = map(e, "env");
      serverEnv.put(string(var.get("name"), "name"), String.valueOf(var.get("value")));
    }
    assertThat(serverEnv).containsEntry("SHARPMUSH_CONNSTATE_HOST", "127.0.0.1")
        .containsEntry("SHARPMUSH_CONNSTATE_PORT", String.valueOf(config.bridge().port()));
    for (Map<String, Object> container : containers(deployment)) {
      Object ports = container.get("ports");
      if (ports != null) {
        assertThat(list(ports, "ports")).allSatisfy(p -> assertThat(map(p, "port")).doesNotContainKey("hostPort"));
      }
    }
    assertThat(podSpec(deployment).get("hostNetwork")).isNotEqualTo(true);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the pod asks Prometheus to scrape /metrics on the sidecar's HTTP port")
  void prometheusAnnotations(Doc deployment, @TempDir Path dir) throws IOException {
    Map<String, Object> annotations = map(at(deployment.body(), "spec.template.metadata.annotations"), "annotations");
    assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", String.valueOf(effectiveConfig(deployment, dir).http().port()))
        .containsEntry("prometheus.io/path", "/metrics");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the sidecar has CPU and memory requests and limits, and its heap is at least the 256 MiB it is "
      + "tested with and leaves room for the rest of the JVM within the memory limit")
  void resources(Doc deployment) {
    Map<String, Object> resources = map(sidecar(deployment).get("resources"), "resources");
    Map<String, Object> requests = map(resources.get("requests"), "requests");
    Map<String, Object> limits = map(resources.get("limits"), "limits");
    assertThat(requests).containsKeys("cpu", "memory");
    assertThat(limits).containsKeys("cpu", "memory");
    long limit = KubeShapes.bytes(limits.get("memory"));
    assertThat(KubeShapes.bytes(requests.get("memory"))).isLessThanOrEqualTo(limit);

    long heap;
    String options = environment(deployment).getOrDefault("JAVA_TOOL_OPTIONS", "");
    Matcher xmx = Pattern.compile("-Xmx(\\d+)([kKmMgG]?)").matcher(options);
    if (xmx.find()) {
      long n = Long.parseLong(xmx.group(1));
      heap = switch (xmx.group(2).toLowerCase()) {
        case "k" -> n << 10;
        case "m" -> n << 20;
        case "g" -> n << 30;
        default -> n;
      };
    } else {
      Matcher percent = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(DeployFiles.read(Path.of("Dockerfile")));
      assertThat(percent.find()).as("the Dockerfile sizes the heap with MaxRAMPercentage").isTrue();
      heap = limit * Long.parseLong(percent.group(1)) / 100;
    }
    assertThat(heap).as("max heap").isGreaterThanOrEqualTo(256L << 20);
    assertThat(limit - heap).as("memory limit minus max heap").isGreaterThanOrEqualTo(192L << 20);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  @DisplayName("the sidecar runs as the image's non-root user (its uid from the Dockerfile), unprivileged, on a "
      + "read-only root file system with a writable /tmp")
  void securityContext(Doc deployment) {
    Map<String, Object> sidecar = sidecar(deployment);
    Matcher uid = Pattern.compile("--uid (\\d+)").matcher(DeployFiles.read(Path.of("Dockerfile")));
    assertThat(uid.find()).as("the Dockerfile creates its user with a fixed uid").isTrue();
    Map<String, Object> security = map(sidecar.get("securityContext"), "securityContext");
    assertThat(security).containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", Integer.parseInt(uid.group(1)))
        .containsEntry("allowPrivilegeEscalation", false)
        .containsEntry("readOnlyRootFilesystem", true);
    assertThat(list(at(security, "capabilities.drop"), "drop")).containsExactly("ALL");
    assertThat(list(sidecar.get("volumeMounts"), "volumeMounts"))
        .anySatisfy(m -> assertThat(map(m, "mount")).containsEntry("mountPath", "/tmp"));
  }
}
