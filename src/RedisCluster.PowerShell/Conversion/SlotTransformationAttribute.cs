using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using RedisCluster.Engine.Cluster;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>
    /// Lets node objects and slot ranges stand for slots: a piped ClusterNode gives all its slots (instead
    /// of binding its ToString() text, which by-value coercion would do first), a SlotRange its range text.
    /// </summary>
    internal sealed class SlotTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            var result = new List<object?>();
            if (value is string || !(value is IEnumerable items))
            {
                Add(value, inputData, result);
            }
            else
            {
                foreach (object? item in items)
                {
                    Add(item is PSObject p ? p.BaseObject : item, item, result);
                }
            }

            return result.ToArray();
        }

        private static void Add(object? value, object? original, List<object?> result)
        {
            switch (value)
            {
                case ClusterNode node:
                    foreach (SlotRange range in node.Slots)
                    {
                        result.Add(range.ToString());
                    }

                    break;
                case SlotRange range:
                    result.Add(range.ToString());
                    break;
                case int slot:
                    result.Add(slot.ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    result.Add(original);
                    break;
            }
        }
    }
}
