using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace RedisCluster.Engine
{
    /// <summary>
    /// A read-only list whose text is its items joined. A list property of an output object is shown by
    /// its text wherever a shell flattens it (a CSV cell, a list view, a string): the items, such as
    /// "0-5460,10923", rather than the collection's type name. Serializers still see a list of objects.
    /// </summary>
    public sealed class ReadableList<T> : ReadOnlyCollection<T>
    {
        private readonly string _separator;

        public ReadableList(IEnumerable<T> items, string separator)
            : base(items.ToList())
        {
            _separator = separator;
        }

        public override string ToString() => string.Join(_separator, this);
    }
}
