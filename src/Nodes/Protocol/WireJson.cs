using System.Text.Json;
using System.Text.Json.Serialization;

namespace Actors.Nodes.Protocol;

/// <summary>AWS JSON 1.1 as ECS speaks it: camelCase members, nulls omitted, timestamps as epoch seconds, no lenient number parsing.</summary>
public static class WireJson
{
    public const string ContentType = "application/x-amz-json-1.1";

    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
            PropertyNameCaseInsensitive = false,
            MaxDepth = 32,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new EpochSecondsConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>ECS timestamps are JSON numbers of seconds since the epoch, with fractions.</summary>
    private sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
    {
        private static readonly double EarliestMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
        private static readonly double LatestMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

        // A number outside DateTimeOffset's years 1-9999 (or not a number) is the sender's mistake: a JsonException,
        // which the gateway answers as one, rather than the ArgumentOutOfRangeException DateTimeOffset would throw.
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var seconds))
                throw new JsonException("A timestamp must be a number of seconds since the epoch.");
            var milliseconds = Math.Round(seconds * 1000);
            if (!double.IsFinite(milliseconds) || milliseconds < EarliestMilliseconds || milliseconds > LatestMilliseconds)
                throw new JsonException("A timestamp must lie between the years 1 and 9999.");
            return DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds);
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000.0);
    }
}
