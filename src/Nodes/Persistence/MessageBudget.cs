using System.Buffers;
using System.Text.Json;

namespace Actors.Nodes.Persistence;

/// <summary>
/// Keeps messages that can cross nodes far below Akka.Remote's 128,000-byte frame: lists whose items can be large
/// (task definitions, overrides, reports of many containers) are cut where their serialized size reaches the budget.
/// </summary>
public static class MessageBudget
{
    public const int Bytes = 48 * 1024;

    /// <summary>The item's serialized length, counted as it is written, without keeping the bytes.</summary>
    public static int SizeOf(object item)
    {
        var counter = t_counter ??= new ByteCounter();
        counter.Count = 0;
        var writer = t_writer ??= new Utf8JsonWriter(counter, new JsonWriterOptions { Encoder = StoredJson.Options.Encoder, SkipValidation = true });
        writer.Reset(counter);
        JsonSerializer.Serialize(writer, item, item.GetType(), StoredJson.Options);
        writer.Flush();
        return checked((int)counter.Count);
    }

    [ThreadStatic] private static ByteCounter? t_counter;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>A buffer that only counts: every write lands in the same scratch space.</summary>
    private sealed class ByteCounter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];
        public long Count;

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

        private byte[] Scratch(int sizeHint) => sizeHint <= _scratch.Length ? _scratch : _scratch = new byte[sizeHint];
    }

    /// <summary>The items that fit the budget, in order (always at least one), and whether any were left out.</summary>
    public static (List<T> Taken, bool More) Take<T>(IEnumerable<T> items, int budget = Bytes) where T : notnull
    {
        var taken = new List<T>();
        var used = 0;
        foreach (var item in items)
        {
            var size = SizeOf(item);
            if (taken.Count > 0 && used + size > budget) return (taken, true);
            taken.Add(item);
            used += size;
        }
        return (taken, false);
    }

    /// <summary>Consecutive parts of <paramref name="items"/>, each within the budget (an item larger than it goes alone).</summary>
    public static IEnumerable<List<T>> Parts<T>(IReadOnlyList<T> items, int budget = Bytes) where T : notnull
    {
        var part = new List<T>();
        var used = 0;
        foreach (var item in items)
        {
            var size = SizeOf(item);
            if (part.Count > 0 && used + size > budget)
            {
                yield return part;
                part = [];
                used = 0;
            }
            part.Add(item);
            used += size;
        }
        if (part.Count > 0) yield return part;
    }
}
