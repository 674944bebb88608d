using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>
    /// Spreads the slots over the primaries by weight, as redis-cli --cluster rebalance does. "Optimize"
    /// (make a resource more effective) is the approved verb for it: Balance is not one, and Move-RedisSlot
    /// is the verb for moving slots a user picks.
    /// </summary>
    [Cmdlet(VerbsCommon.Optimize, "RedisCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RebalanceResult))]
    public sealed class OptimizeRedisClusterCommand : RedisSlotMoveCmdlet
    {
        private readonly List<string> _endpoints = new List<string>();

        /// <summary>host:port of any node of the cluster (several, or piped nodes: the first is asked).</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Server", "Address", "Cluster")]
        [NodeEndpointTransformation]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Endpoint { get; set; } = { "localhost:6379" };

        /// <summary>Weights by node id (or unique prefix), endpoint or node object: @{ '127.0.0.1:7001' = 2 }. Unnamed primaries weigh 1; 0 empties a primary.</summary>
        [Parameter]
        [ValidateNotNull]
        public Hashtable? Weight { get; set; }

        /// <summary>Percent a primary's slot count may differ from its share before anything moves (redis-cli's --cluster-threshold, 2 by default).</summary>
        [Parameter]
        [ValidateRange(0.0, 1000000.0)]
        public double Threshold { get; set; } = 2;

        /// <summary>Let primaries without slots (a node just added) take their share; otherwise they are left out.</summary>
        [Parameter]
        public SwitchParameter UseEmptyPrimaries { get; set; }

        /// <summary>Return the plan as the result without moving anything (redis-cli's --cluster-simulate).</summary>
        [Parameter]
        public SwitchParameter Simulate { get; set; }

        protected override void ProcessRecord() => _endpoints.AddRange(Endpoint);

        protected override void EndProcessing()
        {
            List<RedisEndpoint> seeds = ParseEndpoints(_endpoints.Count > 0 ? _endpoints : new List<string>(Endpoint));
            string target = seeds[0].ToString();
            var request = new RebalanceRequest { Weights = ReadWeights(), Threshold = Threshold, UseEmptyPrimaries = UseEmptyPrimaries };
            AdministrationContext context = CreateContext();
            var options = CreateMoveOptions();
            using (ClusterRebalance rebalance = Run(ClusterRebalance.PrepareAsync(seeds[0], request, options, context, CancelToken), target))
            {
                CompleteProgress();
                foreach (RebalancePrimary primary in rebalance.Primaries)
                {
                    WriteVerbose(primary.TakesPart ? primary.ToString() : primary.Endpoint + " has no slots and takes no part (give -UseEmptyPrimaries to include it).");
                }

                if (!rebalance.IsNeeded)
                {
                    WriteVerbose("No rebalancing needed: every primary is within " + Threshold + "% of its share.");
                }

                if (Simulate)
                {
                    WriteObject(rebalance.Simulate());
                    return;
                }

                var approved = new List<RebalanceMove>();
                foreach (RebalanceMove move in rebalance.Moves)
                {
                    if (ShouldProcess(move.Source, "Move " + move.SlotCount + " slot(s) (" + SlotRanges.Format(move.Slots) + ") to " + move.Destination))
                    {
                        approved.Add(move);
                    }
                }

                // -WhatIf (or every move declined) writes nothing; a cluster within the threshold still reports its primaries.
                if (approved.Count == 0 && (rebalance.Moves.Count > 0 || (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf) && whatIf is SwitchParameter given && given.IsPresent)))
                {
                    return;
                }

                RebalanceResult result = Run(rebalance.RunAsync(approved, CancelToken), target);
                CompleteProgress();
                WriteObject(result);
            }
        }

        /// <summary>-Weight as node name => number; a key may be a node object, a value must be a number.</summary>
        private Dictionary<string, double> ReadWeights()
        {
            var weights = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            if (Weight == null)
            {
                return weights;
            }

            foreach (DictionaryEntry entry in Weight)
            {
                object key = entry.Key is PSObject wrapped ? wrapped.BaseObject : entry.Key;
                string name = key is ClusterNode node ? node.Id : key is RedisEndpoint endpoint ? endpoint.ToString() : key?.ToString() ?? string.Empty;
                if (!LanguagePrimitives.TryConvertTo(entry.Value, System.Globalization.CultureInfo.InvariantCulture, out double weight))
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("The weight of " + name + " is '" + entry.Value + "'; a weight is a number of 0 or more."),
                        "RedisClusterInvalidWeight", ErrorCategory.InvalidArgument, entry.Value));
                }

                weights[name] = weight;
            }

            return weights;
        }
    }
}
