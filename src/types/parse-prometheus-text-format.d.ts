// The shapes parse-prometheus-text-format returns (prom2json's), for the fields we read.
declare module 'parse-prometheus-text-format' {
  export interface IPrometheusSample {
    /** The sample's value as written ("8.128902e+06", "NaN", "+Inf"). */
    value?: string;
    labels?: Record<string, string>;
    /** Histograms and summaries. */
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }

  export interface IPrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: IPrometheusSample[];
  }

  /** Parses a Prometheus text exposition into metric families. */
  export default function parsePrometheusTextFormat(
    text: string
  ): IPrometheusFamily[];
}
