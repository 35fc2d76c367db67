package dev.gantry.cli.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/** `-o table|json|yaml`: tables for people, JSON and YAML (the protobuf JSON mapping) for programs. */
public enum OutputFormat {
    table, json, yaml;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    /** Renders {@code message} as JSON/YAML, or calls {@code table} for the human form. */
    public String render(MessageOrBuilder message, Supplier<String> table) {
        if (this == OutputFormat.table) return table.get();
        try {
            String json = JsonFormat.printer().preservingProtoFieldNames().print(message);
            if (this == OutputFormat.json) return json + "\n";
            return YAML.writeValueAsString(JSON.readTree(json));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
