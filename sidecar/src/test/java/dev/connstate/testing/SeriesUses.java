package dev.connstate.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code connstate_} series the alert rules ({@code config/prometheus/*.yml}) and the
 * dashboard ({@code config/grafana/*.json}) query, each with the labels a query aggregates it
 * by ({@code sum by (path, reason) (…)}) and the rule or panel that queries it. Histogram
 * references stay as written ({@code …_bucket}). Other series ({@code up{job="connstate"}},
 * Prometheus's own) and the labels Prometheus adds to every target ({@code instance},
 * {@code job}) are left out. The rules are read with a line scan for {@code expr:}, the
 * dashboard as JSON: panels (rows included), their targets' {@code expr}, and query variables.
 */
public final class SeriesUses {
  public static final Path ALERT_RULES = Path.of("config/prometheus");
  public static final Path DASHBOARDS = Path.of("config/grafana");

  /** One series a rule or panel queries, the labels it aggregates the series by, and who queries it. */
  public record Use(String series, Set<String> byLabels, String user) {
  }

  private static final Pattern SERIES = Pattern.compile("(?<![a-zA-Z0-9_:])connstate_[a-z_]+");
  private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");
  private static final Pattern RULE = Pattern.compile("\\s*-?\\s*(alert|record):\\s*(\\S+)\\s*");
  private static final Pattern EXPR = Pattern.compile("(\\s*-?\\s*)expr:\\s*(.*)");

  private SeriesUses() {
  }

  /** Every use in the alert rule files. */
  public static List<Use> alertRules() {
    return files(ALERT_RULES, ".yml").flatMap(f -> alertRules(f).stream()).toList();
  }

  /** Every use in the dashboards. */
  public static List<Use> dashboards() {
    return files(DASHBOARDS, ".json").flatMap(f -> dashboard(f).stream()).toList();
  }

  static List<Use> alertRules(Path file) {
    List<String> lines = read(file).lines().toList();
    List<Use> uses = new ArrayList<>();
    String rule = null;
    for (int i = 0; i < lines.size(); i++) {
      Matcher name = RULE.matcher(lines.get(i));
      if (name.matches()) {
        rule = name.group(1) + " " + name.group(2);
      }
      Matcher expr = EXPR.matcher(lines.get(i));
      if (expr.matches()) {
        int line = i + 1;
        String text = expr.group(2).strip();
        if (text.startsWith("|") || text.startsWith(">")) {
          int keyIndent = expr.group(1).length();
          StringBuilder block = new StringBuilder();
          while (i + 1 < lines.size() && (lines.get(i + 1).isBlank() || indent(lines.get(i + 1)) > keyIndent)) {
            block.append(' ').append(lines.get(++i).strip());
          }
          text = block.toString().strip();
        }
        uses.addAll(uses(unquote(text), (rule == null ? "rule" : rule) + " (" + file + ":" + line + ")"));
      }
    }
    return uses;
  }

  static List<Use> dashboard(Path file) {
    JsonObject dashboard = new JsonObject(read(file));
    List<Use> uses = new ArrayList<>();
    panels(dashboard.getJsonArray("panels", new JsonArray()), file, uses);
    for (Object v : dashboard.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray())) {
      JsonObject variable = (JsonObject) v;
      Object query = variable.getValue("query");
      String text = query instanceof JsonObject q ? q.getString("query") : query instanceof String s ? s : null;
      if ("query".equals(variable.getString("type")) && text != null) {
        uses.addAll(uses(text, "variable $" + variable.getString("name") + " (" + file + ")"));
      }
    }
    return uses;
  }

  private static void panels(JsonArray panels, Path file, List<Use> uses) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        String expr = ((JsonObject) t).getString("expr");
        if (expr != null) {
          uses.addAll(uses(expr, "panel '" + panel.getString("title") + "' (" + file + ")"));
        }
      }
      panels(panel.getJsonArray("panels", new JsonArray()), file, uses);
    }
  }

  /** The series of one PromQL expression, each with the labels the aggregations around it group by. */
  static List<Use> uses(String expr, String user) {
    Map<String, Set<String>> labels = new LinkedHashMap<>();
    SERIES.matcher(expr).results().forEach(m -> labels.putIfAbsent(m.group(), new TreeSet<>()));
    Matcher by = BY.matcher(expr);
    while (by.find()) {
      List<String> grouped = Arrays.stream(by.group(1).split(",")).map(String::strip)
          .filter(l -> !l.isEmpty() && !TARGET_LABELS.contains(l)).toList();
      SERIES.matcher(aggregated(expr, by)).results().forEach(m -> labels.get(m.group()).addAll(grouped));
    }
    return labels.entrySet().stream().map(e -> new Use(e.getKey(), e.getValue(), user + ": " + expr)).toList();
  }

  /** The argument of the aggregation whose {@code by (…)} {@code by} matched: after it, or before it. */
  private static String aggregated(String expr, Matcher by) {
    int open = by.end();
    while (open < expr.length() && Character.isWhitespace(expr.charAt(open))) {
      open++;
    }
    if (open < expr.length() && expr.charAt(open) == '(') {
      return expr.substring(open, matching(expr, open, 1) + 1);
    }
    int close = by.start() - 1;
    while (close >= 0 && Character.isWhitespace(expr.charAt(close))) {
      close--;
    }
    return close >= 0 && expr.charAt(close) == ')' ? expr.substring(matching(expr, close, -1), close + 1) : expr;
  }

  /** The index of the parenthesis matching the one at {@code from}, scanning in {@code step}'s direction. */
  private static int matching(String expr, int from, int step) {
    int depth = 0;
    for (int i = from; i >= 0 && i < expr.length(); i += step) {
      char c = expr.charAt(i);
      depth += c == '(' ? step : c == ')' ? -step : 0;
      if (depth == 0) {
        return i;
      }
    }
    throw new AssertionError("unbalanced parentheses in " + expr);
  }

  private static String unquote(String text) {
    if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
      return text.substring(1, text.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    if (text.length() >= 2 && text.startsWith("'") && text.endsWith("'")) {
      return text.substring(1, text.length() - 1).replace("''", "'");
    }
    return text;
  }

  private static int indent(String line) {
    return line.length() - line.stripLeading().length();
  }

  private static Stream<Path> files(Path dir, String suffix) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
      if (found.isEmpty()) {
        throw new AssertionError("no *" + suffix + " in " + dir.toAbsolutePath());
      }
      return found.stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
