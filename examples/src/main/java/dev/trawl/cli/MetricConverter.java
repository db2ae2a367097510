package dev.trawl.cli;

import dev.trawl.vector.Metric;
import picocli.CommandLine.ITypeConverter;

/** Parses {@code --metric} with {@link Metric#parse}, whose message lists the accepted names. */
final class MetricConverter implements ITypeConverter<Metric> {
  @Override
  public Metric convert(String value) {
    return Metric.parse(value);
  }
}
