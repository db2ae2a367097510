package dev.trawl.examples.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.ExecutionResult;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The feed service's HTTP front: Jetty 12 (core API, no servlets) serving
 *
 * <ul>
 *   <li>{@code POST /graphql}: GraphQL over HTTP ({@code {"query", "variables", "operationName"}});
 *       400 for a body that is not JSON or a document that does not parse or validate, 200 with field
 *       errors for bad arguments;
 *   <li>{@code GET /feed?userId=U&first=N&after=C}: the same page as plain JSON (400 with {@code
 *       {"error": ...}} for bad arguments), so the GraphQL layer's cost can be measured beside it;
 *   <li>{@code GET /health} (200 while running), {@code GET /ready} (200 once the index is built and
 *       the stream has caught up, 503 before and while stopping);
 *   <li>{@code GET /metrics}: Prometheus text (request and stage latencies, index size, ingest lag);
 *   <li>{@code GET /shadow}: the shadow comparison at each refresh (the page plots it);
 *   <li>{@code GET|POST /admin/shadow-rate}, {@code /admin/hang} and {@code
 *       /admin/candidate-throws}: the shadow's sample rate, the fault stage's switch and the shadow
 *       candidate's fault switch, at run time;
 *   <li>{@code GET /}: a page that picks a user and shows their feed through the GraphQL endpoint.
 * </ul>
 *
 * <p>Shutdown is graceful: {@link #close} stops accepting connections, then waits up to the drain
 * time for requests in flight to finish.
 *
 * <p><b>Thread-safety:</b> start and close from one thread; requests are served on Jetty's pool.
 * <b>Allocation:</b> per request (HTTP parsing, JSON, GraphQL); the pipeline underneath allocates
 * nothing.
 */
public final class FeedServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json; charset=utf-8";

  private final Server server;
  private final ServerConnector connector;
  private final FeedService service;
  private final FeedGraphQL graphql;
  private final PrometheusMeterRegistry meters;
  private final BooleanSupplier ready;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final Timer graphqlTimer;
  private final Timer jsonTimer;
  private final byte[] page;
  private final GracefulHandler graceful;
  private final HangingStage fault;
  private final ThrowingStage candidateFault;
  private volatile boolean stopping;

  /**
   * A server on {@code host:port} (port 0: a free one) with {@code threads} request threads, ready
   * when {@code ready} says so; in-flight requests get {@code drainMillis} to finish on close;
   * {@code fault} (null: none) is the fault stage {@code /admin/hang} switches, {@code
   * candidateFault} (null: none) the shadow candidate's, switched by {@code /admin/candidate-throws}.
   */
  public FeedServer(FeedService service, PrometheusMeterRegistry meters, BooleanSupplier ready,
      String host, int port, int threads, long drainMillis, HangingStage fault,
      ThrowingStage candidateFault) {
    this.service = service;
    this.fault = fault;
    this.candidateFault = candidateFault;
    this.graphql = new FeedGraphQL(service);
    this.meters = meters;
    this.ready = ready;
    new JvmMemoryMetrics().bindTo(meters);
    gcMetrics.bindTo(meters);
    this.graphqlTimer = requestTimer("graphql");
    this.jsonTimer = requestTimer("json");
    try (InputStream in = FeedServer.class.getResourceAsStream("index.html")) {
      page = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    final QueuedThreadPool pool = new QueuedThreadPool(Math.max(threads, 4), Math.min(threads, 4));
    pool.setName("trawl-http");
    server = new Server(pool);
    connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    graceful = new GracefulHandler();
    graceful.setHandler(new Routes());
    server.setHandler(graceful);
    server.setStopTimeout(drainMillis);
  }

  private Timer requestTimer(String api) {
    return Timer.builder("trawl.http.request")
        .description("feed requests served, by API, from request read to response written")
        .tag("api", api)
        .publishPercentiles(0.5, 0.99, 0.999)
        .register(meters);
  }

  /** Starts serving. */
  public FeedServer start() throws Exception {
    server.start();
    return this;
  }

  /** The port the server listens on (the chosen one when started with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** Stops accepting, lets in-flight requests finish (up to the drain time), stops. */
  @Override
  public void close() throws Exception {
    stopping = true;
    server.stop();
    gcMetrics.close();
  }

  /** Requests being handled now (they finish before {@link #close} returns, within the drain time). */
  public long inFlight() {
    return graceful.getCurrentRequestCount();
  }

  /** Whether {@link #close} has begun: new requests are refused from then on. */
  public boolean stopping() {
    return stopping;
  }

  /** Blocks until the server has stopped. */
  public void join() throws InterruptedException {
    server.join();
  }

  private final class Routes extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      final String path = Request.getPathInContext(request);
      final String method = request.getMethod();
      switch (path) {
        case "/graphql" -> {
          if (!HttpMethod.POST.is(method)) {
            return send(response, callback, 405, JSON_TYPE,
                errors("use POST with {\"query\": ...}"));
          }
          final long t0 = System.nanoTime();
          graphql(request, response, callback);
          graphqlTimer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
          return true;
        }
        case "/feed" -> {
          final long t0 = System.nanoTime();
          feed(request, response, callback);
          jsonTimer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
          return true;
        }
        case "/admin/shadow-rate" -> {
          return shadowRate(request, response, callback);
        }
        case "/shadow" -> {
          final FeedShadow shadow = service.shadow();
          return shadow == null
              ? send(response, callback, 404, JSON_TYPE, JSON.writeValueAsString(
                  Map.of("error", "no shadow variant: start with --shadow-rate")))
              : send(response, callback, 200, JSON_TYPE, JSON.writeValueAsString(Map.of(
                  "sampleRate", shadow.sampleRate(), "points", shadow.series())));
        }
        case "/admin/hang" -> {
          return hang(request, response, callback);
        }
        case "/admin/candidate-throws" -> {
          return candidateThrows(request, response, callback);
        }
        case "/health" -> {
          return send(response, callback, 200, "text/plain", "ok\n");
        }
        case "/ready" -> {
          final boolean ok = !stopping && ready.getAsBoolean();
          return send(response, callback, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
        }
        case "/metrics" -> {
          return send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8",
              meters.scrape());
        }
        case "/", "/index.html" -> {
          response.setStatus(200);
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
          response.write(true, java.nio.ByteBuffer.wrap(page), callback);
          return true;
        }
        default -> {
          return send(response, callback, 404, "text/plain", "not found: " + path + "\n");
        }
      }
    }
  }

  private void graphql(Request request, Response response, Callback callback) throws IOException {
    final JsonNode body;
    try {
      body = JSON.readTree(Content.Source.asString(request, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      send(response, callback, 400, JSON_TYPE, errors("the body is not JSON: " + e.getOriginalMessage()));
      return;
    }
    final JsonNode query = body == null ? null : body.get("query");
    if (query == null || !query.isTextual()) {
      send(response, callback, 400, JSON_TYPE, errors("the body needs a \"query\" string"));
      return;
    }
    final JsonNode variables = body.get("variables");
    if (variables != null && !variables.isNull() && !variables.isObject()) {
      send(response, callback, 400, JSON_TYPE, errors("\"variables\" must be an object"));
      return;
    }
    final JsonNode operation = body.get("operationName");
    @SuppressWarnings("unchecked")
    final Map<String, Object> vars =
        variables == null || variables.isNull() ? null : JSON.convertValue(variables, Map.class);
    final ExecutionResult result =
        graphql.execute(query.asText(), operation == null || operation.isNull() ? null : operation.asText(), vars);
    send(response, callback, result.isDataPresent() ? 200 : 400, JSON_TYPE,
        JSON.writeValueAsString(result.toSpecification()));
  }

  private void feed(Request request, Response response, Callback callback) throws IOException {
    final Fields params = Request.extractQueryParameters(request);
    final FeedService.Page page;
    try {
      page = service.feed(longParam(params, "userId", null), (int) longParam(params, "first", 10L),
          params.getValue("after"));
    } catch (FeedService.BadFeedRequest e) {
      send(response, callback, 400, JSON_TYPE, JSON.writeValueAsString(Map.of("error", e.getMessage())));
      return;
    }
    send(response, callback, 200, JSON_TYPE, JSON.writeValueAsString(page));
  }

  /**
   * {@code GET} answers the shadow's sample rate; {@code POST ?rate=R} (or a body holding R) sets it:
   * 400 for a rate outside 0..1, 404 without a shadow variant.
   */
  private boolean shadowRate(Request request, Response response, Callback callback)
      throws IOException {
    final FeedShadow shadow = service.shadow();
    if (shadow == null) {
      return send(response, callback, 404, JSON_TYPE,
          JSON.writeValueAsString(Map.of("error", "no shadow variant: start with --shadow-rate")));
    }
    if (HttpMethod.POST.is(request.getMethod())) {
      String value = Request.extractQueryParameters(request).getValue("rate");
      if (value == null) {
        value = Content.Source.asString(request, StandardCharsets.UTF_8).trim();
      }
      try {
        shadow.sampleRate(Double.parseDouble(value));
      } catch (IllegalArgumentException e) { // NumberFormatException included
        return send(response, callback, 400, JSON_TYPE, JSON.writeValueAsString(Map.of("error",
            "the shadow rate must be a number between 0 and 1, got '" + value + "'")));
      }
    }
    return send(response, callback, 200, JSON_TYPE,
        JSON.writeValueAsString(Map.of("shadowRate", shadow.sampleRate())));
  }

  /**
   * {@code GET} answers whether the fault stage hangs and how many calls it holds; {@code POST
   * ?on=true|false} hangs or releases it: 400 for another value, 404 without a fault stage.
   */
  private boolean hang(Request request, Response response, Callback callback) throws IOException {
    if (fault == null) {
      return send(response, callback, 404, JSON_TYPE,
          JSON.writeValueAsString(Map.of("error", "no fault stage: start with --fault-stage")));
    }
    return faultSwitch(request, response, callback, "hang", "release",
        on -> {
          if (on) {
            fault.hang();
          } else {
            fault.release();
          }
        },
        () -> Map.of("hanging", fault.hanging(), "blocked", fault.blocked(),
            "blockedEver", fault.blockedEver()));
  }

  /**
   * {@code GET} answers whether the shadow candidate's fault stage throws and how often it has;
   * {@code POST ?on=true|false} starts or stops it: 400 for another value, 404 without one.
   */
  private boolean candidateThrows(Request request, Response response, Callback callback)
      throws IOException {
    if (candidateFault == null) {
      return send(response, callback, 404, JSON_TYPE, JSON.writeValueAsString(Map.of("error",
          "no candidate fault stage: start with --fault-stage and --shadow-rate")));
    }
    return faultSwitch(request, response, callback, "throw", "stop",
        on -> {
          if (on) {
            candidateFault.start();
          } else {
            candidateFault.stop();
          }
        },
        () -> Map.of("throwing", candidateFault.throwing(), "thrown", candidateFault.thrown()));
  }

  /**
   * A fault drill's switch: a {@code POST} applies {@code on=true|false} (400 naming what each
   * does for another value); any method then answers the drill's {@code state}.
   */
  private boolean faultSwitch(Request request, Response response, Callback callback, String onDoes,
      String offDoes, Consumer<Boolean> apply, Supplier<Map<String, Object>> state) throws IOException {
    if (HttpMethod.POST.is(request.getMethod())) {
      final String on = Request.extractQueryParameters(request).getValue("on");
      if (!"true".equals(on) && !"false".equals(on)) {
        return send(response, callback, 400, JSON_TYPE, JSON.writeValueAsString(Map.of("error",
            "pass on=true (" + onDoes + ") or on=false (" + offDoes + "), got '" + on + "'")));
      }
      apply.accept("true".equals(on));
    }
    return send(response, callback, 200, JSON_TYPE, JSON.writeValueAsString(state.get()));
  }

  private static long longParam(Fields params, String name, Long fallback) {
    final String value = params.getValue(name);
    if (value == null) {
      if (fallback == null) {
        throw new FeedService.BadFeedRequest("missing query parameter " + name);
      }
      return fallback;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new FeedService.BadFeedRequest(name + " must be a number, got '" + value + "'");
    }
  }

  private static String errors(String message) throws JsonProcessingException {
    return JSON.writeValueAsString(Map.of("errors", List.of(Map.of("message", message))));
  }

  private static boolean send(Response response, Callback callback, int status, String type,
      String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    Content.Sink.write(response, true, body, callback);
    return true;
  }
}
