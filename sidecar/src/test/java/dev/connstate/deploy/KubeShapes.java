package dev.connstate.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The fields of the Kubernetes objects the example uses, and the type each takes, as the API
 * server holds them (Kubernetes 1.30 and later): enough to refuse what {@code kubectl apply}
 * would refuse in these files — a misspelt field (kubectl validates strictly), a number where a
 * string is wanted (an unquoted annotation or env value), a string where a number is wanted.
 * Fields the example does not use are listed without a type, so that adding one is not refused;
 * anything richer than these shapes is left to the API server. No network and no schema files:
 * written from the API reference, for the handful of types in deploy/kubernetes.
 */
final class KubeShapes {
  sealed interface Shape permits Obj, MapOf, ListOf, Scalar {
  }

  enum Scalar implements Shape { STRING, INT, BOOL, INT_OR_STRING, QUANTITY, ANY }

  record MapOf(Shape value) implements Shape {
  }

  record ListOf(Shape item) implements Shape {
  }

  /** An object with these fields; {@code required} ones must be present. */
  record Obj(Map<String, Shape> fields, List<String> required) implements Shape {
  }

  private static final class Builder {
    private final Map<String, Shape> fields = new LinkedHashMap<>();
    private final List<String> required = new ArrayList<>();

    Builder f(String name, Shape shape) {
      fields.put(name, shape);
      return this;
    }

    /** Fields that exist, whose content is not checked here. */
    Builder any(String... names) {
      for (String name : names) {
        fields.put(name, Scalar.ANY);
      }
      return this;
    }

    Builder required(String... names) {
      required.addAll(List.of(names));
      return this;
    }

    Obj build() {
      return new Obj(Map.copyOf(fields), List.copyOf(required));
    }
  }

  private static Builder obj() {
    return new Builder();
  }

  private static final Scalar S = Scalar.STRING;
  private static final Scalar I = Scalar.INT;
  private static final Scalar B = Scalar.BOOL;
  private static final Shape STRINGS = new ListOf(S);
  private static final Shape STRING_MAP = new MapOf(S);

  static final Obj OBJECT_META = obj().f("name", S).f("generateName", S).f("namespace", S)
      .f("labels", STRING_MAP).f("annotations", STRING_MAP)
      .any("ownerReferences", "finalizers", "uid", "resourceVersion", "generation", "creationTimestamp",
          "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink")
      .build();

  static final Obj LABEL_SELECTOR = obj().f("matchLabels", STRING_MAP).any("matchExpressions").build();

  static final Obj HTTP_GET = obj().f("path", S).f("port", Scalar.INT_OR_STRING).f("host", S).f("scheme", S)
      .any("httpHeaders").required("port").build();

  static final Obj EXEC = obj().f("command", STRINGS).build();

  static final Obj PROBE = obj().f("httpGet", HTTP_GET).f("exec", EXEC).any("tcpSocket", "grpc")
      .f("initialDelaySeconds", I).f("timeoutSeconds", I).f("periodSeconds", I).f("successThreshold", I)
      .f("failureThreshold", I).f("terminationGracePeriodSeconds", I).build();

  static final Obj LIFECYCLE_HANDLER = obj().f("exec", EXEC).f("httpGet", HTTP_GET)
      .f("sleep", obj().f("seconds", I).required("seconds").build()).any("tcpSocket").build();

  static final Obj LIFECYCLE = obj().f("preStop", LIFECYCLE_HANDLER).f("postStart", LIFECYCLE_HANDLER)
      .any("stopSignal").build();

  static final Obj KEY_SELECTOR = obj().f("name", S).f("key", S).f("optional", B).required("key").build();

  static final Obj ENV_VAR = obj().f("name", S).f("value", S)
      .f("valueFrom", obj()
          .f("fieldRef", obj().f("fieldPath", S).f("apiVersion", S).required("fieldPath").build())
          .f("secretKeyRef", KEY_SELECTOR).f("configMapKeyRef", KEY_SELECTOR)
          .any("resourceFieldRef", "fileKeyRef").build())
      .required("name").build();

  static final Obj CONTAINER_PORT = obj().f("name", S).f("containerPort", I).f("hostPort", I).f("protocol", S)
      .f("hostIP", S).required("containerPort").build();

  static final Obj RESOURCES = obj().f("requests", new MapOf(Scalar.QUANTITY))
      .f("limits", new MapOf(Scalar.QUANTITY)).any("claims").build();

  static final Obj VOLUME_MOUNT = obj().f("name", S).f("mountPath", S).f("readOnly", B).f("subPath", S)
      .f("subPathExpr", S).any("recursiveReadOnly", "mountPropagation").required("name", "mountPath").build();

  static final Obj SECCOMP = obj().f("type", S).f("localhostProfile", S).required("type").build();

  static final Obj SECURITY_CONTEXT = obj().f("runAsNonRoot", B).f("runAsUser", I).f("runAsGroup", I)
      .f("allowPrivilegeEscalation", B).f("readOnlyRootFilesystem", B).f("privileged", B)
      .f("capabilities", obj().f("add", STRINGS).f("drop", STRINGS).build()).f("seccompProfile", SECCOMP)
      .any("seLinuxOptions", "windowsOptions", "procMount", "appArmorProfile").build();

  static final Obj CONTAINER = obj().f("name", S).f("image", S).f("imagePullPolicy", S)
      .f("command", STRINGS).f("args", STRINGS).f("workingDir", S)
      .f("env", new ListOf(ENV_VAR)).any("envFrom").f("ports", new ListOf(CONTAINER_PORT))
      .f("resources", RESOURCES).f("volumeMounts", new ListOf(VOLUME_MOUNT))
      .f("startupProbe", PROBE).f("readinessProbe", PROBE).f("livenessProbe", PROBE).f("lifecycle", LIFECYCLE)
      .f("securityContext", SECURITY_CONTEXT).f("restartPolicy", S)
      .any("resizePolicy", "restartPolicyRules", "volumeDevices", "terminationMessagePath",
          "terminationMessagePolicy", "stdin", "stdinOnce", "tty")
      .required("name", "image").build();

  static final Obj VOLUME = obj().f("name", S)
      .f("configMap", obj().f("name", S).f("defaultMode", I).f("optional", B)
          .f("items", new ListOf(obj().f("key", S).f("path", S).f("mode", I).required("key", "path").build()))
          .build())
      .f("emptyDir", obj().f("medium", S).f("sizeLimit", Scalar.QUANTITY).build())
      .any("secret", "projected", "downwardAPI", "persistentVolumeClaim", "hostPath", "csi", "ephemeral", "image",
          "nfs")
      .required("name").build();

  static final Obj POD_SPEC = obj().f("containers", new ListOf(CONTAINER)).f("initContainers", new ListOf(CONTAINER))
      .f("volumes", new ListOf(VOLUME)).f("terminationGracePeriodSeconds", I)
      .f("automountServiceAccountToken", B).f("serviceAccountName", S).f("restartPolicy", S)
      .f("securityContext", obj().f("runAsNonRoot", B).f("runAsUser", I).f("runAsGroup", I).f("fsGroup", I)
          .f("seccompProfile", SECCOMP)
          .any("seLinuxOptions", "windowsOptions", "supplementalGroups", "supplementalGroupsPolicy", "sysctls",
              "fsGroupChangePolicy", "appArmorProfile", "seLinuxChangePolicy")
          .build())
      .f("nodeSelector", STRING_MAP).f("shareProcessNamespace", B).f("enableServiceLinks", B)
      .any("ephemeralContainers", "activeDeadlineSeconds", "dnsPolicy", "serviceAccount", "nodeName", "hostNetwork",
          "hostPID", "hostIPC", "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName",
          "tolerations", "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
          "runtimeClassName", "preemptionPolicy", "overhead", "topologySpreadConstraints", "setHostnameAsFQDN",
          "os", "hostUsers", "schedulingGates", "resourceClaims", "resources")
      .required("containers").build();

  static final Obj DEPLOYMENT = obj().f("apiVersion", S).f("kind", S).f("metadata", OBJECT_META)
      .f("spec", obj().f("replicas", I).f("selector", LABEL_SELECTOR)
          .f("template", obj().f("metadata", OBJECT_META).f("spec", POD_SPEC).required("spec").build())
          .f("strategy", obj().f("type", S).f("rollingUpdate", obj().f("maxSurge", Scalar.INT_OR_STRING)
              .f("maxUnavailable", Scalar.INT_OR_STRING).build()).build())
          .f("minReadySeconds", I).f("revisionHistoryLimit", I).f("paused", B).f("progressDeadlineSeconds", I)
          .required("selector", "template").build())
      .any("status").required("apiVersion", "kind", "metadata", "spec").build();

  static final Obj CONFIG_MAP = obj().f("apiVersion", S).f("kind", S).f("metadata", OBJECT_META)
      .f("data", STRING_MAP).f("binaryData", STRING_MAP).f("immutable", B)
      .required("apiVersion", "kind", "metadata").build();

  static final Obj SECRET = obj().f("apiVersion", S).f("kind", S).f("metadata", OBJECT_META)
      .f("data", STRING_MAP).f("stringData", STRING_MAP).f("type", S).f("immutable", B)
      .required("apiVersion", "kind", "metadata").build();

  /** The kinds the example may ship, each with its apiVersion and shape. */
  static final Map<String, Map.Entry<String, Obj>> KINDS = Map.of(
      "Deployment", Map.entry("apps/v1", DEPLOYMENT),
      "ConfigMap", Map.entry("v1", CONFIG_MAP),
      "Secret", Map.entry("v1", SECRET));

  private static final Pattern QUANTITY =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?");

  private KubeShapes() {
  }

  /** What in {@code value} does not fit {@code shape}: one line per problem, naming its path. */
  static List<String> problems(Shape shape, Object value, String path) {
    List<String> problems = new ArrayList<>();
    check(shape, value, path, problems);
    return problems;
  }

  private static void check(Shape shape, Object value, String path, List<String> problems) {
    if (shape instanceof Scalar scalar) {
      checkScalar(scalar, value, path, problems);
    } else if (shape instanceof MapOf mapOf) {
      if (!(value instanceof Map<?, ?> m)) {
        problems.add(path + ": expected a mapping, got " + describe(value));
        return;
      }
      m.forEach((k, v) -> check(mapOf.value(), v, path + "." + k, problems));
    } else if (shape instanceof ListOf listOf) {
      if (!(value instanceof List<?> l)) {
        problems.add(path + ": expected a list, got " + describe(value));
        return;
      }
      for (int i = 0; i < l.size(); i++) {
        check(listOf.item(), l.get(i), path + "[" + i + "]", problems);
      }
    } else if (shape instanceof Obj obj) {
      if (!(value instanceof Map<?, ?> m)) {
        problems.add(path + ": expected an object, got " + describe(value));
        return;
      }
      for (String required : obj.required()) {
        if (!m.containsKey(required)) {
          problems.add(path + ": missing " + required);
        }
      }
      m.forEach((k, v) -> {
        Shape field = obj.fields().get(String.valueOf(k));
        if (field == null) {
          problems.add(path + "." + k + ": no such field (known: " + String.join(", ",
              obj.fields().keySet().stream().sorted().toList()) + ")");
        } else {
          check(field, v, path + "." + k, problems);
        }
      });
    }
  }

  private static void checkScalar(Scalar scalar, Object value, String path, List<String> problems) {
    boolean fits = switch (scalar) {
      case ANY -> true;
      case STRING -> value instanceof String;
      case INT -> value instanceof Integer || value instanceof Long;
      case BOOL -> value instanceof Boolean;
      case INT_OR_STRING -> value instanceof String || value instanceof Integer || value instanceof Long;
      case QUANTITY -> value instanceof Number || value instanceof String s && QUANTITY.matcher(s).matches();
    };
    if (!fits) {
      problems.add(path + ": expected " + scalar.name().toLowerCase().replace('_', ' ') + ", got " + describe(value)
          + (scalar == Scalar.STRING && value != null ? " (quote it)" : ""));
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
  }

  /** A memory quantity in bytes: {@code 512Mi}, {@code 1Gi}, {@code 500M}, {@code 1048576}. */
  static long bytes(Object quantity) {
    String text = String.valueOf(quantity);
    String[][] units = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
        {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
    for (String[] unit : units) {
      if (text.endsWith(unit[0])) {
        return Math.round(Double.parseDouble(text.substring(0, text.length() - unit[0].length()))
            * Long.parseLong(unit[1]));
      }
    }
    return Math.round(Double.parseDouble(text));
  }
}
