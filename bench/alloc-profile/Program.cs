using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Sums the runtime's allocation samples (GCAllocationTick: one event per ~100 KB allocated, naming the type that
// crossed the mark) by type, so that the types a hot path allocates most stand out.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: AllocProfile <trace.nettrace> [top=30]");
    return 2;
}

int top = args.Length > 1 ? int.Parse(args[1]) : 30;
var bytesByType = new Dictionary<string, long>();
using (var source = new EventPipeEventSource(args[0]))
{
    source.Clr.GCAllocationTick += (GCAllocationTickTraceData sample) =>
    {
        string type = sample.TypeName ?? "(unknown type)";
        bytesByType[type] = bytesByType.GetValueOrDefault(type) + sample.AllocationAmount64;
    };
    source.Process();
}

long total = bytesByType.Values.Sum();
if (total == 0)
{
    Console.Error.WriteLine("no allocation samples in the trace (was it collected with the GC keyword at verbose level?)");
    return 1;
}

Console.WriteLine($"{total / (1024.0 * 1024.0):0.0} MB sampled");
foreach (var (type, bytes) in bytesByType.OrderByDescending(pair => pair.Value).Take(top))
{
    Console.WriteLine($"{100.0 * bytes / total,6:0.0}%  {type}");
}

return 0;
