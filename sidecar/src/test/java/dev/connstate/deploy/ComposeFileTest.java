package dev.connstate.deploy;

import static dev.connstate.deploy.DeployFiles.at;
import static dev.connstate.deploy.DeployFiles.environment;
import static dev.connstate.deploy.DeployFiles.list;
import static dev.connstate.deploy.DeployFiles.map;
import static dev.connstate.deploy.DeployFiles.service;
import static dev.connstate.deploy.DeployFiles.services;
import static dev.connstate.deploy.DeployFiles.string;
import static org.assertj.core.api.Assertions.assertThat;

import dev.connstate.config.ClientSpec;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so docker-compose.yml is held to the sidecar by reading it: its
 * services and keys are Compose's, each sidecar's environment is a configuration the sidecar's
 * own loader accepts, the bridge is open to the other containers only with clients, and the
 * example client's token is one of them.
 */
@DisplayName("The Compose example (docker-compose.yml) starts two sidecars on their configuration and a client they "
    + "let in")
class ComposeFileTest {
  private static final Set<String> TOP_LEVEL = Set.of("name", "services", "networks", "volumes", "configs", "secrets",
      "include", "models");

  /** The service keys of the Compose specification. */
  private static final Set<String> SERVICE_KEYS = Set.of("annotations", "attach", "blkio_config", "build", "cap_add",
      "cap_drop", "cgroup", "cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent",
      "cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_period", "cpu_rt_runtime", "cpus", "cpuset",
      "credential_spec", "depends_on", "deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt",
      "dns_search", "domainname", "driver_opts", "entrypoint", "env_file", "environment", "expose", "extends",
      "external_links", "extra_hosts", "gpus", "group_add", "healthcheck", "hostname", "image", "init", "ipc",
      "isolation", "labels", "label_file", "links", "logging", "mac_address", "mem_limit", "mem_reservation",
      "mem_swappiness", "memswap_limit", "models", "network_mode", "networks", "oom_kill_disable", "oom_score_adj",
      "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider",
      "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale", "secrets", "security_opt",
      "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty",
      "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from", "working_dir");
  private static final Set<String> HEALTHCHECK_KEYS = Set.of("test", "interval", "timeout", "retries",
      "start_period", "start_interval", "disable");
  private static final Set<String> BUILD_KEYS = Set.of("context", "dockerfile", "dockerfile_inline", "args", "ssh",
      "cache_from", "cache_to", "additional_contexts", "entitlements", "extra_hosts", "isolation", "privileged",
      "labels", "no_cache", "pull", "network", "shm_size", "target", "secrets", "tags", "ulimits", "platforms");
  private static final Set<String> DEPENDS_ON_KEYS = Set.of("condition", "restart", "required");
  private static final Set<String> RESTART = Set.of("no", "always", "on-failure", "unless-stopped");
  /** A short port mapping: [host-ip:][host-port:]container-port. */
  private static final Pattern PORT = Pattern.compile("(?:(\\d+\\.\\d+\\.\\d+\\.\\d+):)?(?:(\\d+):)?(\\d+)");

  private static SidecarConfig config(String sidecar) {
    ConfigLoader loader = new ConfigLoader();
    SidecarConfig config = loader.load(null, environment(sidecar), null);
    assertThat(loader.warnings()).as("loader warnings for %s", sidecar).isEmpty();
    return config;
  }

  private static List<String> words(Object command, String what) {
    if (command instanceof String s) {
      return List.of(s.trim().split("\\s+"));
    }
    return list(command, what).stream().map(w -> string(w, what)).toList();
  }

  private static String redisPassword() {
    List<String> command = words(service("redis").get("command"), "redis command");
    String password = DeployFiles.option(command, "--requirepass");
    assertThat(password).as("redis-server --requirepass").isNotBlank();
    return password;
  }

  @Test
  @DisplayName("it is one YAML document (no duplicate key) with only Compose's top-level keys, and the services "
      + "redis, sidecar-a, sidecar-b and client")
  void parses() {
    Map<String, Object> compose = DeployFiles.compose();
    assertThat(compose.keySet()).allSatisfy(key -> assertThat(TOP_LEVEL.contains(key) || key.startsWith("x-"))
        .as("top-level key %s", key).isTrue());
    assertThat(compose).doesNotContainKey("version");
    assertThat(services()).containsOnlyKeys("redis", "sidecar-a", "sidecar-b", "client");
    assertThat(DeployFiles.sidecars()).containsExactly("sidecar-a", "sidecar-b");
  }

  @Test
  @DisplayName("every service uses only keys of the Compose specification, and its build, health check, "
      + "dependencies and restart policy only theirs")
  void serviceKeys() {
    services().forEach((name, body) -> {
      Map<String, Object> s = map(body, name);
      assertThat(s.keySet()).as("keys of %s", name).isSubsetOf(SERVICE_KEYS);
      if (s.get("build") instanceof Map<?, ?> build) {
        assertThat(map(build, "build").keySet()).as("%s build", name).isSubsetOf(BUILD_KEYS);
      }
      if (s.containsKey("healthcheck")) {
        assertThat(map(s.get("healthcheck"), "healthcheck").keySet()).as("%s healthcheck", name)
            .isSubsetOf(HEALTHCHECK_KEYS);
      }
      if (s.get("depends_on") instanceof Map<?, ?> deps) {
        map(deps, "depends_on").forEach((dep, how) -> {
          assertThat(services()).as("%s depends on", name).containsKey(dep);
          assertThat(map(how, "depends_on " + dep).keySet()).isSubsetOf(DEPENDS_ON_KEYS);
        });
      }
      if (s.containsKey("restart")) {
        assertThat(RESTART).as("%s restart", name).contains(string(s.get("restart"), "restart"));
      }
    });
  }

  @Test
  @DisplayName("Redis is the official image with a password, and each sidecar's CONNSTATE_REDIS_URL reaches it by "
      + "its service name with that password")
  void redisWithPassword() {
    assertThat(string(service("redis").get("image"), "redis image")).matches("redis(:[\\w.-]+)?");
    String password = redisPassword();
    for (String sidecar : DeployFiles.sidecars()) {
      URI url = URI.create(environment(sidecar).get("CONNSTATE_REDIS_URL"));
      assertThat(url.getScheme()).isEqualTo("redis");
      assertThat(url.getHost()).isEqualTo("redis");
      assertThat(url.getUserInfo()).as("%s Redis user:password", sidecar).isEqualTo(":" + password);
      assertThat(config(sidecar).redis().url()).isEqualTo(url.toString());
      assertThat(map(service(sidecar).get("depends_on"), "depends_on")).containsKey("redis");
    }
    assertThat(service("redis")).as("Redis is reached by the sidecars only").doesNotContainKey("ports");
  }

  @Test
  @DisplayName("every CONNSTATE_ variable of each sidecar is a configuration key (ConfigLoader.envName), and "
      + "together they are a configuration the sidecar accepts, with the instance ids sidecar-a and sidecar-b")
  void environmentIsAConfiguration() {
    Set<String> ids = new HashSet<>();
    for (String sidecar : DeployFiles.sidecars()) {
      assertThat(environment(sidecar).keySet()).as("%s environment", sidecar)
          .allSatisfy(name -> assertThat(name).startsWith("CONNSTATE_"))
          .isSubsetOf(DeployFiles.configVariables());
      SidecarConfig config = config(sidecar);
      assertThat(config.instanceId()).isEqualTo(sidecar);
      ids.add(config.instanceId());
    }
    assertThat(ids).containsExactlyInAnyOrder("sidecar-a", "sidecar-b");
    services().keySet().stream().filter(name -> !DeployFiles.sidecars().contains(name)).forEach(other ->
        assertThat(environment(other).keySet()).as("%s is no sidecar", other)
            .noneMatch(name -> name.startsWith("CONNSTATE_")));
  }

  @Test
  @DisplayName("the bridge listens for the other containers only with clients, each CONNSTATE_BRIDGE_CLIENTS line a "
      + "'name role sha256' the sidecar parses, and never unauthenticated")
  void bridgeClients() {
    for (String sidecar : DeployFiles.sidecars()) {
      Map<String, String> env = environment(sidecar);
      assertThat(env).containsEntry("CONNSTATE_BRIDGE_HOST", "0.0.0.0")
          .doesNotContainKey("CONNSTATE_BRIDGE_ALLOW_UNAUTHENTICATED");
      List<ClientSpec> clients = DeployFiles.bridgeClients(sidecar);
      assertThat(clients).isNotEmpty();
      assertThat(clients.stream().map(ClientSpec::name).toList()).doesNotHaveDuplicates();
      SidecarConfig config = config(sidecar);
      assertThat(config.bridge().loopbackOnly()).isFalse();
      assertThat(config.bridge().allowUnauthenticated()).isFalse();
      assertThat(config.bridge().clients()).extracting(ClientSpec::name)
          .containsExactlyElementsOf(clients.stream().map(ClientSpec::name).toList());
    }
  }

  @Test
  @DisplayName("the example client connects to a sidecar with a token whose SHA-256 that sidecar has configured")
  void clientTokenIsAccepted() {
    List<String> command = words(service("client").get("command"), "client command");
    String host = DeployFiles.option(command, "--host");
    String token = DeployFiles.option(command, "--token");
    assertThat(host).isEqualTo("sidecar-a");
    assertThat(token).isNotBlank();
    assertThat(command).last().isEqualTo("watch");
    assertThat(DeployFiles.clientOf(host, token)).as("the client configured for the token %s", token).isNotNull();
    String port = DeployFiles.option(command, "--port");
    assertThat(port == null ? 7000 : Integer.parseInt(port)).isEqualTo(config(host).bridge().port());
  }

  @Test
  @DisplayName("the sidecars are built from this repository's Dockerfile, as the image connstate:latest")
  void builtFromTheDockerfile() {
    for (String sidecar : DeployFiles.sidecars()) {
      Map<String, Object> s = service(sidecar);
      Map<String, Object> build = map(s.get("build"), sidecar + " build");
      Path context = Path.of(string(build.get("context"), "context"));
      Path dockerfile = context.resolve(string(build.getOrDefault("dockerfile", "Dockerfile"), "dockerfile"));
      assertThat(context.toAbsolutePath().normalize()).as("the build context: the repository root")
          .isEqualTo(Path.of("").toAbsolutePath());
      assertThat(dockerfile).exists();
      assertThat(dockerfile.normalize()).isEqualTo(Path.of("Dockerfile"));
      assertThat(s).containsEntry("image", "connstate:latest");
    }
  }

  @Test
  @DisplayName("each sidecar's health check asks GET /health/live on its HTTP port, and publishes that port on its "
      + "own host port, on the host's loopback")
  void healthChecksAndPorts() {
    Set<Integer> hostPorts = new HashSet<>();
    for (String sidecar : DeployFiles.sidecars()) {
      SidecarConfig config = config(sidecar);
      List<String> test = words(at(service(sidecar), "healthcheck.test"), "healthcheck.test");
      assertThat(test).first().isEqualTo("CMD");
      assertThat(test).contains("http://127.0.0.1:" + config.http().port() + "/health/live");
      boolean httpPublished = false;
      for (Object p : list(service(sidecar).get("ports"), sidecar + " ports")) {
        Matcher m = PORT.matcher(string(p, sidecar + " port"));
        assertThat(m.matches()).as("port %s", p).isTrue();
        assertThat(m.group(1)).as("host address of %s", p).isEqualTo("127.0.0.1");
        assertThat(hostPorts.add(Integer.parseInt(m.group(2)))).as("host port of %s is used once", p).isTrue();
        int containerPort = Integer.parseInt(m.group(3));
        assertThat(containerPort).isIn(config.http().port(), config.bridge().port());
        httpPublished |= containerPort == config.http().port();
      }
      assertThat(httpPublished).as("%s publishes its health port", sidecar).isTrue();
    }
    List<String> redisCheck = words(at(service("redis"), "healthcheck.test"), "redis healthcheck");
    assertThat(String.join(" ", redisCheck)).contains("redis-cli").contains("ping");
    assertThat(environment("redis")).containsEntry("REDISCLI_AUTH", redisPassword());
  }

  @Test
  @DisplayName("the client runs examples/BridgeClient.java, mounted from the repository, with a JDK image, once the "
      + "sidecars are healthy")
  void clientRunsTheExample() {
    Map<String, Object> client = service("client");
    assertThat(string(client.get("image"), "client image")).containsPattern("^eclipse-temurin:\\d+-jdk");
    List<String> command = words(client.get("command"), "client command");
    assertThat(command).first().isEqualTo("java");
    String source = command.get(1);
    assertThat(source).endsWith("BridgeClient.java");
    String inContainer = source.startsWith("/") ? source
        : string(client.get("working_dir"), "working_dir") + "/" + source;
    List<String> mounted = new ArrayList<>();
    for (Object v : list(client.get("volumes"), "client volumes")) {
      String[] parts = string(v, "volume").split(":");
      String target = parts[1];
      if (inContainer.startsWith(target + "/")) {
        mounted.add(parts[0] + inContainer.substring(target.length()));
        assertThat(List.of(parts)).as("mounted read-only").hasSize(3).last().isEqualTo("ro");
      }
    }
    assertThat(mounted).hasSize(1);
    assertThat(Path.of(mounted.get(0))).exists();
    assertThat(Path.of(mounted.get(0)).normalize()).isEqualTo(Path.of("examples", "BridgeClient.java"));
    Map<String, Object> dependsOn = map(client.get("depends_on"), "client depends_on");
    assertThat(at(dependsOn, "sidecar-a.condition")).isEqualTo("service_healthy");
  }

  @Test
  @DisplayName("each sidecar's stop_grace_period outlasts shutdownDrainMs")
  void stopGracePeriod() {
    for (String sidecar : DeployFiles.sidecars()) {
      long grace = DeployFiles.durationMs(string(service(sidecar).get("stop_grace_period"), "stop_grace_period"));
      assertThat(grace).as("%s stop_grace_period", sidecar).isGreaterThan(config(sidecar).shutdownDrainMs());
    }
  }
}
