namespace RedisCluster.Engine.Administration
{
    /// <summary>What an administration task is doing now, for a progress bar. Immutable.</summary>
    public sealed class AdministrationProgress
    {
        public AdministrationProgress(string activity, string status, int percentComplete)
        {
            Activity = activity;
            Status = status;
            PercentComplete = percentComplete;
        }

        public string Activity { get; }

        public string Status { get; }

        /// <summary>0-100, or -1 when unknown (a wait).</summary>
        public int PercentComplete { get; }

        public override string ToString() => Activity + ": " + Status;
    }
}
