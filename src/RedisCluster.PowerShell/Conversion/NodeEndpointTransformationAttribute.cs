using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>
    /// Lets node objects stand for their endpoints. Without it, a ClusterNode piped to a string[]
    /// parameter that takes pipeline input by value binds as its whole ToString() text (by-value
    /// coercion comes before by-property-name coercion), not as its Endpoint.
    /// </summary>
    internal sealed class NodeEndpointTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string || !(value is IEnumerable items))
            {
                return ToEndpoint(value) ?? inputData;
            }

            var result = new List<object?>();
            foreach (object? item in items)
            {
                object? element = item is PSObject p ? p.BaseObject : item;
                result.Add(ToEndpoint(element) ?? item);
            }

            return result.ToArray();
        }

        private static string? ToEndpoint(object? value)
        {
            switch (value)
            {
                case ClusterNode node:
                    return node.Endpoint?.ToString();
                case RedisEndpoint endpoint:
                    return endpoint.ToString();
                default:
                    return null;
            }
        }
    }
}
