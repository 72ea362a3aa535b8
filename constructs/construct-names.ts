/** `OrdersApi` or `orders_api` → `orders-api`: the form of every name part Vigil builds (alarm names, signals). */
export function kebab(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** `orders-api` → `OrdersApi`: construct ids made from kebab-case names. */
export function pascal(kebabText: string): string {
  return kebabText
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
