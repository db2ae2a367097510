package dev.trawl.examples.service;

import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.DataFetcherResult;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.execution.preparsed.PreparsedDocumentProvider;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The home feed's GraphQL API over {@link FeedService}:
 *
 * <pre>{@code
 * type Query { feed(userId: ID!, first: Int = 10, after: String): FeedPage }
 * }</pre>
 *
 * <p>Bad arguments (unknown user, {@code first} out of range, a malformed cursor) come back as
 * field errors with {@code extensions.code = "BAD_USER_INPUT"} and {@code feed: null}; queries
 * deeper than {@value #MAX_DEPTH} levels or costlier than {@value #MAX_COMPLEXITY} fields are
 * rejected before they run.
 *
 * <p>Parsed and validated documents are kept by query text (the last {@value #CACHED_DOCUMENTS}
 * distinct ones, least recently used evicted first), as a production GraphQL server does: clients
 * send the same few documents with different variables, so a request normally skips parsing and
 * validation and pays for execution only. Depth and complexity are still checked on every request.
 *
 * <p><b>Thread-safety:</b> {@link #execute} may be called from any number of threads (the document
 * cache is synchronised; two threads missing the same document both parse it). <b>Allocation:</b>
 * graphql-java executes and builds the result per call.
 */
public final class FeedGraphQL {
  /** Deepest query accepted. */
  public static final int MAX_DEPTH = 6;

  /** Most fields (graphql-java's default complexity: one per field) a query may select. */
  public static final int MAX_COMPLEXITY = 200;

  /** Distinct query documents kept parsed and validated. */
  public static final int CACHED_DOCUMENTS = 1_000;

  /** The schema, in SDL. */
  public static final String SCHEMA =
      """
      "The home feed of one user, ranked by the Trawl pipeline."
      type Query {
        "Up to `first` posts of the user's feed after the cursor `after` (null: from the start); null with an error for bad arguments."
        feed(userId: ID!, first: Int = 10, after: String): FeedPage
      }

      type FeedPage {
        posts: [Post!]!
        "Pass as `after` to get the next page."
        endCursor: String
        hasNextPage: Boolean!
        "True when a pipeline stage failed or ran out of time: the page may miss posts."
        degraded: Boolean!
        "Time the pipeline took for this request, in microseconds."
        totalMicros: Float!
        timings: [StageTiming!]!
      }

      type Post {
        id: ID!
        "The candidate source that found it: interest, fresh or trending."
        source: String!
        score: Float!
        author: ID!
        community: ID!
        "Creation time, epoch milliseconds."
        createdAt: Float!
      }

      type StageTiming {
        stage: String!
        micros: Float!
      }
      """;

  private final GraphQL graphql;
  private final DocumentCache documents = new DocumentCache();

  /** The API over {@code service}. */
  public FeedGraphQL(FeedService service) {
    final DataFetcher<Object> feed =
        env -> {
          final long userId;
          try {
            userId = Long.parseLong(env.<Object>getArgument("userId").toString());
          } catch (NumberFormatException e) {
            return badInput(env, "userId must be a number, got '" + env.getArgument("userId") + "'");
          }
          final Integer first = env.getArgument("first");
          try {
            return service.feed(userId, first == null ? 10 : first, env.getArgument("after"));
          } catch (FeedService.BadFeedRequest e) {
            return badInput(env, e.getMessage());
          }
        };
    final RuntimeWiring wiring =
        RuntimeWiring.newRuntimeWiring()
            .type("Query", t -> t.dataFetcher("feed", feed))
            .build();
    final GraphQLSchema schema =
        new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(SCHEMA), wiring);
    this.graphql =
        GraphQL.newGraphQL(schema)
            .instrumentation(
                new ChainedInstrumentation(
                    List.of(
                        new MaxQueryDepthInstrumentation(MAX_DEPTH),
                        new MaxQueryComplexityInstrumentation(MAX_COMPLEXITY))))
            .preparsedDocumentProvider(documents)
            .build();
  }

  /** Documents parsed since start (cache misses): for tests and metrics. */
  public long documentsParsed() {
    return documents.parsed();
  }

  /** Documents held parsed now. */
  public int documentsCached() {
    return documents.size();
  }

  /**
   * Parsed and validated documents by query text, bounded, least recently used evicted first. An
   * entry with errors (a document that does not parse or validate) is kept too: the same bad query
   * gets the same errors without being parsed again.
   */
  private static final class DocumentCache implements PreparsedDocumentProvider {
    private final LinkedHashMap<String, PreparsedDocumentEntry> entries =
        new LinkedHashMap<>(64, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, PreparsedDocumentEntry> eldest) {
            return size() > CACHED_DOCUMENTS;
          }
        };
    private long parsed;

    @Override
    public CompletableFuture<PreparsedDocumentEntry> getDocumentAsync(
        ExecutionInput input, Function<ExecutionInput, PreparsedDocumentEntry> parseAndValidate) {
      final String query = input.getQuery();
      PreparsedDocumentEntry entry;
      synchronized (this) {
        entry = entries.get(query);
      }
      if (entry == null) {
        // parsed outside the lock: a slow document does not hold up the others
        entry = parseAndValidate.apply(input);
        synchronized (this) {
          entries.put(query, entry);
          parsed++;
        }
      }
      return CompletableFuture.completedFuture(entry);
    }

    synchronized long parsed() {
      return parsed;
    }

    synchronized int size() {
      return entries.size();
    }
  }

  private static DataFetcherResult<Object> badInput(
      graphql.schema.DataFetchingEnvironment env, String message) {
    return DataFetcherResult.newResult()
        .error(
            GraphqlErrorBuilder.newError(env)
                .message(message)
                .extensions(Map.of("code", "BAD_USER_INPUT"))
                .build())
        .build();
  }

  /**
   * Runs one GraphQL request.
   *
   * @param query the document
   * @param operationName the operation to run, or null
   * @param variables variable values, or null
   * @return the result; {@link ExecutionResult#isDataPresent()} is false when the request did not
   *     parse or validate (a client error as a whole)
   */
  public ExecutionResult execute(String query, String operationName, Map<String, Object> variables) {
    final ExecutionInput.Builder input = ExecutionInput.newExecutionInput().query(query);
    if (operationName != null) {
      input.operationName(operationName);
    }
    if (variables != null) {
      input.variables(variables);
    }
    return graphql.execute(input.build());
  }
}
