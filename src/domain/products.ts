// The data products a connector can extract (Flanks' product list, in the native names), and
// what each is: all derived from the product catalog (product-catalog.ts).
export {
  movementFields,
  movementProducts,
  type Product,
  parentField,
  parentProduct,
  productIdPrefix,
  productLabels,
  productPaths,
  products,
  productTable,
} from './product-catalog.ts';
