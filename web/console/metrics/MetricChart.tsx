import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate } from '../../ui/format.ts';
import { numberFormat } from './metric-words.ts';

const shortDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const tickDay = (day: string) => shortDay.format(new Date(`${day}T00:00:00Z`));

/**
 * A metric's daily values as bars with day and value axes, as wide as its container (a phone's too): the Metrics
 * page's preview and the account's Activity tab.
 */
export function MetricChart({
  history,
  label,
  unit,
  height = 140,
}: {
  history: { day: string; value: number }[];
  label: string;
  unit: string;
  height?: number;
}) {
  const first = history[0]?.day;
  const last = history.at(-1)?.day;
  return (
    <div
      style={{ width: '100%', minWidth: 0, height }}
      role="img"
      aria-label={`${label}: daily values over the last ${history.length} days (${unit} per day, ${formatDate(first)} to ${formatDate(last)}), ${numberFormat.format(history.reduce((a, h) => a + h.value, 0))} in all`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={history} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--mantine-color-gray-2)" />
          <XAxis dataKey="day" tickFormatter={tickDay} fontSize={11} minTickGap={24} tickLine={false} interval="preserveStartEnd" />
          <YAxis
            width={36}
            fontSize={11}
            allowDecimals={false}
            tickCount={3}
            tickLine={false}
            axisLine={false}
            tickFormatter={(v) => numberFormat.format(Number(v))}
          />
          <Tooltip
            formatter={(v) => [numberFormat.format(Number(v)), unit]}
            labelFormatter={(day) => formatDate(String(day))}
            cursor={{ fill: 'var(--mantine-color-gray-1)' }}
          />
          <Bar dataKey="value" fill="var(--mantine-color-indigo-5)" isAnimationActive={false} maxBarSize={24} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
