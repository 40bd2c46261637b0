import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { Product } from './product';

/** One line of a user's cart: the staging area that checkout turns into an order. */
@Table({ tableName: 'cart_items', underscored: true })
export class CartItem extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare userId: string;

  @ForeignKey(() => Product)
  @Column({ type: DataType.UUID, allowNull: false })
  declare productId: string;

  @BelongsTo(() => Product)
  declare product?: Product;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare quantity: number;

  declare createdAt: Date;
  declare updatedAt: Date;
}
