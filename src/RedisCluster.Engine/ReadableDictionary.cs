using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace RedisCluster.Engine
{
    /// <summary>
    /// A read-only dictionary whose text is its keys joined with ", ", for the same reason as
    /// <see cref="ReadableList{T}"/>: where a shell flattens it (a CSV cell, the last level of ConvertTo-Json)
    /// it shows the names it holds rather than its type name.
    /// </summary>
    public sealed class ReadableDictionary<TKey, TValue> : ReadOnlyDictionary<TKey, TValue>
        where TKey : notnull
    {
        public ReadableDictionary(IDictionary<TKey, TValue> items)
            : base(items)
        {
        }

        public override string ToString() => string.Join(", ", Keys);
    }
}
