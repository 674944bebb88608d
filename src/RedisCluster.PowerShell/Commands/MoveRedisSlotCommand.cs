using System.Collections.Generic;
using System.Management.Automation;
using RedisCluster.Engine.Administration;
using RedisCluster.Engine.Connections;
using RedisCluster.PowerShell.Conversion;

namespace RedisCluster.PowerShell.Commands
{
    /// <summary>Moves slots, with their keys, to one primary (redis-cli --cluster reshard with an explicit slot list).</summary>
    [Cmdlet(VerbsCommon.Move, "RedisSlot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SlotMoveResult))]
    public sealed class MoveRedisSlotCommand : RedisSlotMoveCmdlet
    {
        private readonly List<string> _slots = new List<string>();

        /// <summary>Slots and ranges ("100-200", 5, "7,9"); piped node objects give all their slots.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Slots")]
        [SlotTransformation]
        [ValidateNotNullOrEmpty]
        public string[] Slot { get; set; } = new string[0];

        /// <summary>The primary to move the slots to: its id (or a unique prefix), its endpoint, or a node object.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [NodeEndpointTransformation]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = string.Empty;

        /// <summary>host:port of any member; left out, the destination itself is asked (then it must be an endpoint).</summary>
        [Parameter]
        [NodeEndpointTransformation]
        [ArgumentCompleter(typeof(Completion.ClusterNodeCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Cluster { get; set; }

        protected override void ProcessRecord() => _slots.AddRange(Slot);

        protected override void EndProcessing()
        {
            if (Cluster == null && Destination.IndexOf(':') <= 0)
            {
                ThrowTerminatingError(new ErrorRecord(new System.ArgumentException("-Destination '" + Destination + "' is a node id: give -Cluster too, the endpoint of a node of the cluster."),
                    "RedisClusterMemberMissing", ErrorCategory.InvalidArgument, Destination));
            }

            IReadOnlyList<int> slots;
            try
            {
                slots = SlotList.Parse(_slots);
            }
            catch (AdministrationException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex, string.Join(",", _slots)));
                throw;
            }

            List<RedisEndpoint> member = ParseEndpoints(new[] { Cluster ?? Destination });
            AdministrationContext context = CreateContext();
            var options = CreateMoveOptions();
            using (SlotMigration migration = Run(SlotMigration.PrepareAsync(member[0], slots, Destination, options, context, CancelToken), Destination))
            {
                CompleteProgress();
                if (migration.AlreadyThere > 0)
                {
                    WriteVerbose(migration.AlreadyThere + " of the slots are on " + Destination + " already.");
                }

                if (migration.SlotCount == 0 || !ShouldProcess(Destination, migration.ToString()))
                {
                    return;
                }

                SlotMoveResult result = Run(migration.RunAsync(CancelToken), Destination);
                CompleteProgress();
                WriteObject(result);
            }
        }
    }
}
